using POSLayerFreeze.Freezing;
using POSLayerFreeze.Models;
using POSLayerFreeze.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace POSLayerFreeze.Tests.Training;

/// <summary>
/// FlatAdamW against TorchSharp's torch.optim.AdamW: same model, same batches, same lr schedule, betas, eps and weight
/// decay for 20 steps — every trainable parameter equal within float tolerance, every frozen one bit-identical to its
/// initial value.
/// </summary>
[TestFixture]
public sealed class FlatAdamWTests
{
    private const int Steps = 20;
    private const double LearningRate = 1e-3;
    private const double Beta1 = 0.85;
    private const double Beta2 = 0.995;
    private const double Epsilon = 1e-7;
    private const double WeightDecay = 0.05;

    private static TokenClassifier TinyModel()
    {
        // No dropout, so both models compute exactly the same forward in train mode.
        var config = new DistilBertConfig(vocabSize: 50, dim: 16, nLayers: 2, nHeads: 2, hiddenDim: 32, maxPositionEmbeddings: 16,
            dropout: 0, attentionDropout: 0);
        torch.manual_seed(123);
        var model = new TokenClassifier(config, numLabels: 5);
        model.InitializeClassifier();
        return model;
    }

    private static (Tensor Ids, Tensor Mask, Tensor Labels) Batch(int step)
    {
        var generator = new Generator((ulong)(1000 + step));
        var ids = randint(1, 50, [4, 9], generator: generator, dtype: ScalarType.Int64);
        var mask = ones([4, 9], dtype: ScalarType.Int64);
        mask[1, TensorIndex.Slice(6)] = 0;
        mask[3, TensorIndex.Slice(4)] = 0;
        var labels = randint(0, 5, [4, 9], generator: generator, dtype: ScalarType.Int64);
        labels.masked_fill_(mask.eq(0), -100);
        return (ids.masked_fill(mask.eq(0), 0), mask, labels);
    }

    private static void TrainStep(TokenClassifier model, int step, Action optimizerStep)
    {
        using var scope = NewDisposeScope();
        var (ids, mask, labels) = Batch(step);
        var logits = model.forward(ids, mask);
        var loss = cross_entropy(logits.view(-1, logits.shape[^1]), labels.view(-1), ignore_index: -100);
        loss.backward();
        optimizerStep();
    }

    [TestCase("baseline")]
    [TestCase("clpf-emb+0")]
    [TestCase("slpf-1")]
    public void MatchesTorchAdamWAndLeavesFrozenParametersUntouched(string config)
    {
        using var flatModel = TinyModel();
        using var torchModel = TinyModel();
        var plan = FreezePlan.Parse(config, flatModel.Config.NumLayers);
        var flatTrainable = plan.Apply(flatModel);
        var torchTrainable = plan.Apply(torchModel);
        var names = flatModel.named_parameters().Select(p => p.name).ToArray();
        Assert.That(torchModel.named_parameters().Select(p => p.name), Is.EqualTo(names));
        var initial = flatModel.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().clone());

        using var flat = new FlatAdamW(flatTrainable, LearningRate, Beta1, Beta2, Epsilon, WeightDecay);
        using var reference = optim.AdamW(torchTrainable, LearningRate, Beta1, Beta2, Epsilon, WeightDecay);
        flatModel.train();
        torchModel.train();
        for (var step = 0; step < Steps; step++)
        {
            // The trainer's linear schedule, so a changing learning rate is covered too.
            var lr = LearningRate * (Steps - step) / Steps;
            TrainStep(flatModel, step, () =>
            {
                flat.LearningRate = lr;
                flat.Step();
                flat.ZeroGrad();
            });
            TrainStep(torchModel, step, () =>
            {
                foreach (var group in reference.ParamGroups) group.LearningRate = lr;
                reference.step();
                reference.zero_grad();
            });
        }

        var frozen = flatModel.named_parameters().Where(p => !p.parameter.requires_grad).Select(p => p.name).ToHashSet();
        Assert.That(frozen, config == "baseline" ? Is.Empty : Is.Not.Empty);
        var torchParameters = torchModel.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        var moved = 0;
        foreach (var (name, parameter) in flatModel.named_parameters())
        {
            var expected = torchParameters[name];
            if (frozen.Contains(name))
            {
                Assert.That(parameter.eq(initial[name]).all().item<bool>(), Is.True, $"frozen {name} changed under FlatAdamW");
                Assert.That(expected.eq(initial[name]).all().item<bool>(), Is.True, $"frozen {name} changed under torch AdamW");
                continue;
            }
            var difference = (parameter - expected).abs().max().item<float>();
            var scale = expected.abs().max().item<float>();
            Assert.That(difference, Is.LessThanOrEqualTo(1e-5 + 1e-5 * scale), $"{name}: FlatAdamW differs from torch AdamW by {difference}");
            // The key bias gets no gradient (softmax is invariant to it) and starts at zero: nothing moves it.
            if ((parameter - initial[name]).abs().max().item<float>() > 1e-3 || name.EndsWith("k_lin.bias", StringComparison.Ordinal)) moved++;
        }
        // The comparison means something only if training moved the parameters well beyond the tolerance.
        Assert.That(moved, Is.EqualTo(flatTrainable.Count));
        Assert.That(flat.StepCount, Is.EqualTo(Steps));
        foreach (var tensor in initial.Values) tensor.Dispose();
    }

    [Test]
    public void RejectsAnEmptyParameterList() =>
        Assert.That(() => new FlatAdamW([], LearningRate), Throws.ArgumentException);
}
