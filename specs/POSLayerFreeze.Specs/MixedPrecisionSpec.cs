namespace POSLayerFreeze.Specs;

/// <summary>
/// bf16 mixed precision (<c>--bf16</c>, Hugging Face's <c>bf16=True</c>) is a protocol of its own: its numbers are
/// guarded by goldens under <c>golden/&lt;profile&gt;+bf16/</c>. Two configurations keep the CI cost small: the
/// baseline (every matmul of the forward and backward in bf16) and <c>all</c> (only the head trains: the bf16
/// forward of the whole encoder). Smoke profile on a CPU with native bf16 only (elsewhere ignored with the reason);
/// the GPU study measures bf16 by its own script.
/// </summary>
[TestFixture]
[Category("Bf16")]
// No bf16 golden is approved yet: the session that built this ran on an AVX2-only CPU, where bf16 is emulated. On a
// CPU with AVX512-BF16, run `dotnet test specs/POSLayerFreeze.Specs -c Release --filter Category=Bf16`, approve the
// received files with `poslf approve`, and remove this attribute in the same commit.
[Explicit("no bf16 golden approved yet (built on an AVX2-only CPU); see the comment above")]
[ProfileCategory]
public sealed class MixedPrecisionSpec
{
    [TestCase("baseline")]
    [TestCase("all")]
    public void A_bf16_run_reproduces_its_verified_results(string config)
    {
        var settings = SpecSettings.Current;
        if (settings.TrainingProfile.Name != "smoke" || settings.Backend != "cpu")
            Assert.Ignore($"bf16 goldens are kept for the smoke profile on the CPU; this session runs {settings.TrainingProfile.Name} on {settings.Backend}");
        // Where libtorch only emulates bf16 (Zen 3's AVX2, no AVX512-BF16) a smoke run takes more than ten times
        // fp32's time: such a machine skips these two specs, saying why; a bf16 machine checks them.
        if (Runtime.Bf16Support.Refusal(TorchSharp.torch.CPU) is { } why) Assert.Ignore(why);
        var runs = StudyRuns.Bf16.Of(config);
        Goldens.Verify(config, Goldens.ForConfiguration(runs, StudyRuns.Bf16.Settings));
    }
}
