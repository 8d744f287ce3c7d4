using System.Text.Json.Nodes;

namespace POSLayerFreeze.Analysis;

/// <summary>
/// A named, versioned protocol for the per-layer linear probes, saved into every probe.json. Every choice that can
/// change a probe's accuracy is a field here. Change a number → bump <see cref="Version"/>.
/// The probe draws no random numbers (zero initial weights, full-batch L-BFGS, every train word used), so it has no
/// seed: the same features give the same probe.
/// </summary>
public sealed record ProbeProfile
{
    public required string Name { get; init; }
    public required int Version { get; init; }

    /// <summary>Inverse L2 strength exactly as scikit-learn's <c>LogisticRegression(C=…)</c>: minimises
    /// C·Σᵢ cross-entropyᵢ + ½‖W‖²_F, the intercept not penalised.</summary>
    public double C { get; init; } = 1.0;

    /// <summary>Standardise each feature by the train words' mean and population standard deviation (scikit-learn's
    /// <c>StandardScaler</c>) before fitting; the same shift and scale are applied to dev and test.</summary>
    public bool Standardize { get; init; } = true;

    /// <summary>The optimizer, full batch: <c>lbfgs</c> (the only one; named so results say what ran).</summary>
    public string Optimizer => "lbfgs";

    /// <summary>L-BFGS iterations at most (scikit-learn's <c>max_iter</c>).</summary>
    public int MaxIterations { get; init; } = 500;

    /// <summary>Stop when the largest gradient component of the mean objective (Σ cross-entropy / n + ‖W‖²/(2Cn))
    /// is at most this: scikit-learn's default <c>tol</c>, 1e-4 (measured: at 1e-5 the MiniLM embeddings probe on
    /// 22k words had not converged after 500 iterations).</summary>
    public double GradientTolerance { get; init; } = 1e-4;

    /// <summary>L-BFGS history pairs (scipy's default, which scikit-learn uses, is 10).</summary>
    public int History { get; init; } = 10;

    /// <summary>Features of at most the first N train sentences (null: all of them) — the bound on memory: all of EWT
    /// train at hidden 384 × 7 layers is about 2 GB in fp32. Dev and test are always scored on every word.</summary>
    public int? TrainSentences { get; init; } = 1024;

    /// <summary>Longest window in tokens, as the training profiles: words see the same context as in training.</summary>
    public int MaxLength { get; init; } = 128;

    /// <summary>Windows per encoder forward pass when extracting features.</summary>
    public int BatchSize { get; init; } = 64;

    /// <summary>In a study's layers section (<see cref="LayerStudy"/>): probes are scored on the words of at most the
    /// first N dev sentences (null: every dev word), and not on test — the per-configuration cost bound. <c>poslf
    /// probe</c> always scores every dev and test word.</summary>
    public int? DevSentences { get; init; }

    /// <summary>CKA compares the pretrained and a fine-tuned encoder on this many dev words (all of the scored dev
    /// words when there are fewer), drawn once with <see cref="CkaSeed"/>: the same words for every configuration.
    /// 2,048 rows against 384 features keeps the biased estimator's floor low and the cost at O(n·H²).</summary>
    public int CkaWords { get; init; } = 2048;

    /// <summary>Seed of the CKA word sample (SplitMix64, Fisher–Yates): fixed, so every configuration and every
    /// rerun of <c>poslf report</c> compares the same words.</summary>
    public long CkaSeed { get; init; } = 42;

    /// <summary>The default: C = 1, standardised, the first 1,024 train sentences, windows of 128 (the smoke training
    /// profile's windows and train prefix).</summary>
    public static ProbeProfile Default { get; } = new() { Name = "default", Version = 1 };

    /// <summary>Every EWT train sentence and the full protocol's windows (the model's maximum): needs ~2 GB for MiniLM.</summary>
    public static ProbeProfile Full { get; } = new() { Name = "full", Version = 1, TrainSentences = null, MaxLength = 512 };

    /// <summary>What a smoke study with <c>--save-model</c> can afford per configuration on two cores: probes on the
    /// first 256 train sentences, scored on the first 512 dev sentences, CKA on 1,024 of those dev words.</summary>
    public static ProbeProfile Smoke { get; } = new() { Name = "smoke", Version = 1, TrainSentences = 256, DevSentences = 512, CkaWords = 1024 };

    public static IReadOnlyList<ProbeProfile> All { get; } = [Default, Full, Smoke];

    /// <summary>The probe profile of a study's layers section: the one named like the training profile's base (smoke and
    /// smoke+train=256 → smoke, full → full), else <see cref="Default"/>. Derived, not chosen, so <c>poslf report</c>
    /// reproduces it and no run input changes.</summary>
    public static ProbeProfile ForStudy(string trainingProfile)
    {
        ArgumentNullException.ThrowIfNull(trainingProfile);
        var baseName = trainingProfile.Split('+')[0];
        return All.FirstOrDefault(p => string.Equals(p.Name, baseName, StringComparison.OrdinalIgnoreCase)) ?? Default;
    }

    public static ProbeProfile Named(string name) =>
        All.FirstOrDefault(p => string.Equals(p.Name, name.Trim(), StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"unknown probe profile '{name}': expected {string.Join(" or ", All.Select(p => p.Name))}");

    /// <summary>Checks the fields a caller may have overridden; the message names the field.</summary>
    public ProbeProfile Validated()
    {
        if (!(C > 0) || double.IsInfinity(C)) throw new ArgumentException($"probe profile {Name}: c must be a positive finite number, got {C}");
        if (MaxIterations < 1) throw new ArgumentException($"probe profile {Name}: max_iterations must be ≥ 1, got {MaxIterations}");
        if (!(GradientTolerance > 0)) throw new ArgumentException($"probe profile {Name}: gradient_tolerance must be > 0, got {GradientTolerance}");
        if (History < 1) throw new ArgumentException($"probe profile {Name}: history must be ≥ 1, got {History}");
        if (TrainSentences is < 1) throw new ArgumentException($"probe profile {Name}: train_sentences must be ≥ 1 or null, got {TrainSentences}");
        if (MaxLength < 3) throw new ArgumentException($"probe profile {Name}: max_length must be ≥ 3, got {MaxLength}");
        if (BatchSize < 1) throw new ArgumentException($"probe profile {Name}: batch_size must be ≥ 1, got {BatchSize}");
        if (DevSentences is < 1) throw new ArgumentException($"probe profile {Name}: dev_sentences must be ≥ 1 or null, got {DevSentences}");
        if (CkaWords < 4) throw new ArgumentException($"probe profile {Name}: cka_words must be ≥ 4 (the debiased estimator's minimum), got {CkaWords}");
        return this;
    }

    public JsonObject ToJson() => new()
    {
        ["name"] = Name,
        ["version"] = Version,
        ["classifier"] = "multinomial logistic regression (softmax-linear)",
        ["optimizer"] = Optimizer,
        ["c"] = C,
        ["standardize"] = Standardize,
        ["max_iterations"] = MaxIterations,
        ["gradient_tolerance"] = GradientTolerance,
        ["history"] = History,
        ["train_sentences"] = TrainSentences,
        ["max_length"] = MaxLength,
        ["batch_size"] = BatchSize,
        ["dev_sentences"] = DevSentences,
        ["cka_words"] = CkaWords,
        ["cka_seed"] = CkaSeed,
    };
}
