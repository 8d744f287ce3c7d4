using POSLayerFreeze.Models;
using TorchSharp;
using static POSLayerFreeze.Tests.Models.ModelTestSupport;
using static TorchSharp.torch;

namespace POSLayerFreeze.Tests.Models;

/// <summary>
/// Children run through <c>call()</c>, so module hooks (probes, activation capture) fire; with <c>forward()</c>
/// TorchSharp skips them silently.
/// </summary>
public class ForwardHookTests
{
    [TestCase("tiny-distilbert", "distilbert.transformer", 0)]
    [TestCase("tiny-distilbert", "distilbert.transformer", 1)]
    [TestCase("tiny-bert", "bert.encoder", 0)]
    [TestCase("tiny-bert", "bert.encoder", 1)]
    public void AForwardHookOnEncoderLayerKSeesThatLayersOutput(string fixture, string stack, int k)
    {
        var dir = TinyDir(fixture);
        using var model = new TokenClassifier(EncoderConfig.FromFile(Path.Combine(dir, "config.json")), 5);
        CheckpointLoader.Load(model, Safetensors.Read(Path.Combine(dir, "model.safetensors")), loadClassifier: true, fixture);
        model.eval();
        var layer = (nn.Module<Tensor, Tensor, Tensor>)model.named_modules().Single(m => m.name == $"{stack}.layer.{k}").module;

        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        manual_seed(3);
        var ids = randint(1, model.Config.VocabSize, [2, 7], dtype: ScalarType.Int64);
        var mask = tensor(new long[,] { { 1, 1, 1, 1, 1, 1, 1 }, { 1, 1, 1, 1, 0, 0, 0 } });
        Tensor? seen = null;
        var calls = 0;
        var handle = layer.register_forward_hook((_, _, _, output) =>
        {
            calls++;
            seen?.Dispose();
            // The output lives in the encoder's own dispose scope; keep a copy beyond it.
            seen = output.detach().clone().DetachFromDisposeScope();
            return output;   // unchanged
        });
        try
        {
            var hidden = new List<Tensor>();
            model.ForwardWithHiddenStates(ids, mask, hidden);
            Assert.That(calls, Is.EqualTo(1), "one call per forward");
            Assert.That(seen!.equal(hidden[k + 1]).all().item<bool>(), Is.True, "hidden_states[k + 1] is layer k's output");

            model.forward(ids, mask);
            Assert.That(calls, Is.EqualTo(2), "the plain forward runs the hook too");
            handle.remove();
            model.forward(ids, mask);
            Assert.That(calls, Is.EqualTo(2), "a removed hook no longer runs");
        }
        finally
        {
            seen?.Dispose();
        }
    }
}
