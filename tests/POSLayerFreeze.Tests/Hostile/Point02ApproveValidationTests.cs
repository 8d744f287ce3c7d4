using System.Text.Json.Nodes;
using POSLayerFreeze.Golden;
using POSLayerFreeze.Tests.Cli;
using POSLayerFreeze.Tests.Golden;

namespace POSLayerFreeze.Tests.Hostile;

/// <summary>
/// Issue 29 point 2 (silent wrong): <c>approve</c> promoted received files that <c>golden status</c> rejects (a
/// provenance of another profile or backend than the folder, no metrics, an accuracy of 1.5). Approval now applies
/// status's validation to every received file before moving anything.
/// </summary>
public class Point02ApproveValidationTests : TempGoldenStoreFixture
{
    private static readonly (string Case, Action<JsonObject> Edit, string Mention)[] Cases =
    [
        ("profile full in smoke/", s => s["provenance"]!["profile"] = "full", "provenance.profile is 'full'"),
        ("backend cuda in cpu/", s => s["provenance"]!["backend"] = "cuda", "provenance.backend is 'cuda'"),
        ("empty metrics", s => s["metrics"] = new JsonObject(), "would remove all 2 metrics"),
        ("accuracy 1.5", s => s["metrics"]!["test.accuracy"]!["value"] = 1.5, "metrics.test.accuracy is 1.5, outside [0, 1]"),
        ("macro F1 −0.1", s => s["metrics"]!["test.macro_f1"]!["value"] = -0.1, "metrics.test.macro_f1 is -0.1, outside [0, 1]"),
        ("nothing at all", s => { s["metrics"] = new JsonObject(); s["facts"] = new JsonObject(); }, "holds no metrics and no facts"),
    ];

    private static IEnumerable<TestCaseData> All() => Cases.Select((c, i) => new TestCaseData(i).SetName($"Approve_refuses_what_status_rejects({c.Case})"));

    [TestCaseSource(nameof(All))]
    public void Approve_refuses_what_status_rejects_and_moves_nothing(int index)
    {
        var (_, edit, mention) = Cases[index];
        Store.Check("slpf-3", GoldenStoreTests.Sample(accuracy: 0.85));
        Store.ApproveAll();
        var verified = Store.VerifiedPath("smoke", "cpu", "slpf-3");
        var golden = File.ReadAllText(verified);
        // A second, good received file: the refusal must leave it pending too (nothing half approved).
        Store.Check("slpf-2", GoldenStoreTests.Sample(accuracy: 0.8));
        var received = Store.ReceivedPath("smoke", "cpu", "slpf-3");
        var json = (JsonObject)JsonNode.Parse(GoldenStoreTests.Sample(accuracy: 0.9).ToJson())!;
        edit(json);
        File.WriteAllText(received, json.ToJsonString());

        var status = Poslf.Run("golden", "status", "--golden-dir", Root);
        Poslf.AssertError(status, 1, received, mention);

        var approve = Poslf.Run("approve", "--all", "--golden-dir", Root);
        Poslf.AssertError(approve, 1, received, mention);
        Assert.That(File.ReadAllText(verified), Is.EqualTo(golden), "the golden is untouched");
        Assert.That(File.Exists(received), Is.True);
        Assert.That(File.Exists(Store.ReceivedPath("smoke", "cpu", "slpf-2")), Is.True, "nothing else was moved either");
        Assert.That(File.Exists(Store.VerifiedPath("smoke", "cpu", "slpf-2")), Is.False);
    }

    [Test]
    public void A_valid_received_file_is_still_approved()
    {
        Store.Check("slpf-3", GoldenStoreTests.Sample(accuracy: 0.85));
        Assert.That(Store.ApproveAll().Single().WasNew, Is.True);
        Store.Check("slpf-3", GoldenStoreTests.Sample(accuracy: 1.0));
        Assert.That(Store.ApproveAll().Single().Changes, Does.Contain("test.accuracy: 0.85 → 1"));
    }
}
