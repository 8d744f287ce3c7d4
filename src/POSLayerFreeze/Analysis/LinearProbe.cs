using static TorchSharp.torch;

namespace POSLayerFreeze.Analysis;

/// <summary>How a probe's fit ended: L-BFGS iterations, whether the gradient tolerance was met, the final objective
/// (mean cross-entropy + ‖W‖²/(2Cn)) and its largest gradient component.</summary>
public sealed record ProbeFit(int Iterations, bool Converged, double Objective, double GradientMax);

/// <summary>
/// A softmax-linear classifier (multinomial logistic regression) on fixed features, in double precision on the CPU:
/// scikit-learn's <c>LogisticRegression(C, multinomial, lbfgs)</c> objective — C·Σ cross-entropy + ½‖W‖², the
/// intercept not penalised — minimised from zero weights by full-batch L-BFGS with a backtracking (Armijo) line
/// search. The problem is strictly convex in W, so the optimum (and therefore the predictions) does not depend on
/// the optimizer's path; zero initial weights and no random draws make the fit itself deterministic.
/// </summary>
public sealed class LinearProbe
{
    /// <summary>Armijo's sufficient-decrease constant and the most step halvings per line search (textbook values).</summary>
    private const double ArmijoC1 = 1e-4;
    private const int MaxHalvings = 60;

    private readonly double[] mean;
    private readonly double[] scale;
    private readonly double[] theta;   // weights [classes, dim] row-major, then bias [classes]

    private LinearProbe(int classes, int dim, double[] mean, double[] scale, double[] theta, ProbeFit fit)
    {
        (Classes, Dim, this.mean, this.scale, this.theta, Fit) = (classes, dim, mean, scale, theta, fit);
    }

    public int Classes { get; }
    public int Dim { get; }
    public ProbeFit Fit { get; }

    /// <summary>Weight of feature <paramref name="feature"/> for class <paramref name="label"/>, on standardised features
    /// when the profile standardises.</summary>
    public double Weight(int label, int feature) => theta[label * Dim + feature];

    public double Bias(int label) => theta[Classes * Dim + label];

    /// <param name="features">[n, dim], one row per example.</param>
    /// <param name="labels">n class ids in 0 … <paramref name="classes"/> − 1.</param>
    public static LinearProbe Train(double[,] features, IReadOnlyList<int> labels, int classes, ProbeProfile profile)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(profile);
        profile.Validated();
        var (n, dim) = (features.GetLength(0), features.GetLength(1));
        if (labels.Count != n) throw new ArgumentException($"{n} feature rows but {labels.Count} labels", nameof(labels));
        if (n == 0) throw new ArgumentException("a probe needs at least one training example", nameof(features));
        for (var i = 0; i < n; i++)
            if (labels[i] < 0 || labels[i] >= classes) throw new ArgumentException($"label {labels[i]} (row {i}) is outside 0..{classes - 1}", nameof(labels));

        using var scope = NewDisposeScope();
        var raw = tensor(features, dtype: ScalarType.Float64);                                           // [n, d]
        var (mean, scale) = profile.Standardize ? Moments(raw) : (new double[dim], Enumerable.Repeat(1.0, dim).ToArray());
        var x = Standardized(raw, mean, scale);                                                   // [n, d]
        var target = tensor(labels.Select(l => (long)l).ToArray());                               // [n]
        var oneHot = nn.functional.one_hot(target, classes).to_type(ScalarType.Float64);              // [n, k]
        var l2 = 1.0 / (profile.C * n);

        double Objective(double[] th, double[] grad)
        {
            using var inner = NewDisposeScope();
            var w = tensor(th.AsSpan(0, classes * dim).ToArray(), [classes, dim], dtype: ScalarType.Float64);               // [k, d]
            var b = tensor(th.AsSpan(classes * dim).ToArray(), dtype: ScalarType.Float64);                                   // [k]
            var logp = nn.functional.log_softmax(x.mm(w.t()) + b, 1);                                // [n, k]
            var diff = logp.exp() - oneHot;                                                       // [n, k]
            var gw = diff.t().mm(x) / n + w * l2;                                                 // [k, d]
            var gb = diff.sum([0L]) / n;                                                           // [k]
            gw.data<double>().CopyTo(grad, 0);
            gb.data<double>().CopyTo(grad, classes * dim);
            var crossEntropy = -(logp * oneHot).sum().item<double>() / n;
            return crossEntropy + 0.5 * l2 * w.square().sum().item<double>();
        }

        var theta = new double[classes * dim + classes];
        var fit = Minimise(Objective, theta, profile);
        return new LinearProbe(classes, dim, mean, scale, theta, fit);
    }

    /// <summary>The class of highest score for each row of <paramref name="features"/> [n, dim] (ties: the lower id).</summary>
    public int[] Predict(double[,] features)
    {
        ArgumentNullException.ThrowIfNull(features);
        if (features.GetLength(1) != Dim) throw new ArgumentException($"the probe was trained on {Dim} features, got {features.GetLength(1)}", nameof(features));
        if (features.GetLength(0) == 0) return [];
        using var scope = NewDisposeScope();
        var x = Standardized(tensor(features, dtype: ScalarType.Float64), mean, scale);               // [n, d]
        var w = tensor(theta.AsSpan(0, Classes * Dim).ToArray(), [Classes, Dim], dtype: ScalarType.Float64);
        var b = tensor(theta.AsSpan(Classes * Dim).ToArray(), dtype: ScalarType.Float64);
        return (x.mm(w.t()) + b).argmax(1).data<long>().ToArray().Select(v => (int)v).ToArray();
    }

    /// <summary>Per-feature mean and population standard deviation (constant features keep scale 1, as StandardScaler).</summary>
    private static (double[] Mean, double[] Scale) Moments(Tensor x)
    {
        var mean = x.mean([0L]).data<double>().ToArray();
        var std = x.std(0, unbiased: false).data<double>().ToArray();
        for (var j = 0; j < std.Length; j++)
            if (std[j] <= 1e-12 * Math.Max(1.0, Math.Abs(mean[j]))) std[j] = 1.0;
        return (mean, std);
    }

    private static Tensor Standardized(Tensor x, double[] mean, double[] scale) => (x - tensor(mean, dtype: ScalarType.Float64)) / tensor(scale, dtype: ScalarType.Float64);

    /// <summary>
    /// L-BFGS (Nocedal and Wright, algorithm 7.4, two-loop recursion) with a backtracking Armijo line search from step
    /// 1 (the first step scaled to unit length); a pair is kept only when sᵀy &gt; 0, so the implied Hessian stays
    /// positive definite. Stops at the gradient tolerance, at the iteration limit, or when no step decreases f.
    /// </summary>
    private static ProbeFit Minimise(Func<double[], double[], double> objective, double[] x, ProbeProfile profile)
    {
        var size = x.Length;
        var g = new double[size];
        var f = objective(x, g);
        var history = new List<(double[] S, double[] Y, double Rho)>();
        var trial = new double[size];
        var gTrial = new double[size];
        var iterations = 0;
        while (true)
        {
            var gMax = g.Max(Math.Abs);
            if (gMax <= profile.GradientTolerance) return new ProbeFit(iterations, true, f, gMax);
            if (iterations == profile.MaxIterations) return new ProbeFit(iterations, false, f, gMax);
            var direction = TwoLoop(g, history);
            var slope = Dot(g, direction);
            if (slope >= 0)
            {
                history.Clear();
                direction = g.Select(v => -v).ToArray();
                slope = Dot(g, direction);
            }
            var step = history.Count == 0 ? 1.0 / Math.Sqrt(Dot(g, g)) : 1.0;
            double fTrial = double.NaN;
            var accepted = false;
            for (var halving = 0; halving < MaxHalvings && !accepted; halving++, step *= 0.5)
            {
                for (var i = 0; i < size; i++) trial[i] = x[i] + step * direction[i];
                fTrial = objective(trial, gTrial);
                accepted = fTrial <= f + ArmijoC1 * step * slope;
            }
            if (!accepted) return new ProbeFit(iterations, false, f, gMax);
            iterations++;
            var s = new double[size];
            var y = new double[size];
            for (var i = 0; i < size; i++) (s[i], y[i]) = (trial[i] - x[i], gTrial[i] - g[i]);
            var sy = Dot(s, y);
            if (sy > 0)
            {
                history.Add((s, y, 1.0 / sy));
                if (history.Count > profile.History) history.RemoveAt(0);
            }
            Array.Copy(trial, x, size);
            Array.Copy(gTrial, g, size);
            f = fTrial;
        }
    }

    /// <summary>−H·g, H the L-BFGS inverse-Hessian estimate from the kept pairs (oldest first), H₀ = γI with γ = sᵀy/yᵀy of the newest pair.</summary>
    private static double[] TwoLoop(double[] g, List<(double[] S, double[] Y, double Rho)> history)
    {
        var q = (double[])g.Clone();
        var alpha = new double[history.Count];
        for (var k = history.Count - 1; k >= 0; k--)
        {
            var (s, y, rho) = history[k];
            alpha[k] = rho * Dot(s, q);
            for (var i = 0; i < q.Length; i++) q[i] -= alpha[k] * y[i];
        }
        if (history.Count > 0)
        {
            var (s, y, _) = history[^1];
            var gamma = Dot(s, y) / Dot(y, y);
            for (var i = 0; i < q.Length; i++) q[i] *= gamma;
        }
        for (var k = 0; k < history.Count; k++)
        {
            var (s, y, rho) = history[k];
            var beta = rho * Dot(y, q);
            for (var i = 0; i < q.Length; i++) q[i] += (alpha[k] - beta) * s[i];
        }
        for (var i = 0; i < q.Length; i++) q[i] = -q[i];
        return q;
    }

    private static double Dot(double[] a, double[] b)
    {
        var sum = 0.0;
        for (var i = 0; i < a.Length; i++) sum += a[i] * b[i];
        return sum;
    }
}
