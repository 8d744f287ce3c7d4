namespace POSLayerFreeze.Evaluation;

/// <summary>
/// Student's t distribution for any real degrees of freedom ν &gt; 0 (Welch's df is not an integer), written here
/// because .NET ships none: the CDF through the regularized incomplete beta function,
/// F(t) = 1 − ½·I_{ν/(ν+t²)}(ν/2, ½) for t ≥ 0, and the quantile by bisection on that CDF.
/// </summary>
/// <remarks>
/// Accuracy target: about 1e-10 absolute on the CDF, ample for p-values and 95% intervals. The tests check it against
/// closed forms (ν = 1 is the Cauchy distribution, ν = 2 and ν = 4 have elementary CDFs) and printed t tables.
/// The target holds up to about ν = 1e4. Beyond, ln B(ν/2, ½) is the difference of two large ln Γ values and
/// ν/(ν+t²) rounds towards 1, so digits go: measured against the normal limit with its 1/ν term, the error of
/// Cdf(0.001, ν) is about 2e-9 at ν = 1e5, 2e-7 at 1e8 and 2e-4 at 1e10. What the callers need: Welch's df is at
/// most n_A + n_B − 2 (a few seeds); SeedAware.SeedsNeeded's at most 2·(cap − 1), about 2e5 with the default cap,
/// where an error of that size moves a quantile by about 1e-8, which cannot change an integer seed count.
/// </remarks>
public static class StudentT
{
    /// <summary>P(T ≤ t) for T ~ t(ν).</summary>
    public static double Cdf(double t, double df)
    {
        if (!(df > 0) || double.IsNaN(t)) throw new ArgumentOutOfRangeException(nameof(df), df, "The t distribution needs df > 0 and a number t.");
        if (double.IsPositiveInfinity(t)) return 1;
        if (double.IsNegativeInfinity(t)) return 0;
        // ν/(ν+t²) loses every digit for huge t; the tail is then 0 to double precision anyway.
        var x = df / (df + t * t);
        var tail = 0.5 * RegularizedBeta(x, df / 2, 0.5);
        return t >= 0 ? 1 - tail : tail;
    }

    /// <summary>Two-sided p-value P(|T| ≥ |t|).</summary>
    public static double TwoSidedP(double t, double df)
    {
        if (!(df > 0) || double.IsNaN(t)) throw new ArgumentOutOfRangeException(nameof(df), df, "The t distribution needs df > 0 and a number t.");
        if (double.IsInfinity(t)) return 0;
        // Computed from the tail directly (not 2·(1 − CDF)) so small p-values keep their digits.
        return Math.Min(1, RegularizedBeta(df / (df + t * t), df / 2, 0.5));
    }

    /// <summary>The t with P(T ≤ t) = <paramref name="p"/>, 0 &lt; p &lt; 1.</summary>
    public static double Quantile(double p, double df)
    {
        if (!(p > 0 && p < 1)) throw new ArgumentOutOfRangeException(nameof(p), p, "A quantile needs 0 < p < 1.");
        if (!(df > 0)) throw new ArgumentOutOfRangeException(nameof(df), df, "The t distribution needs df > 0.");
        if (p == 0.5) return 0;
        if (p < 0.5) return -Quantile(1 - p, df);
        // Bracket, then bisect: the CDF is monotone, so this cannot fail to converge (Newton can, in the tails of ν < 1).
        double lo = 0, hi = 1;
        while (Cdf(hi, df) < p)
        {
            lo = hi;
            hi *= 2;
            if (hi > 1e300) return double.PositiveInfinity;
        }
        for (var i = 0; i < 200 && hi - lo > 1e-13 * Math.Max(1, hi); i++)
        {
            var mid = 0.5 * (lo + hi);
            if (Cdf(mid, df) < p) lo = mid;
            else hi = mid;
        }
        return 0.5 * (lo + hi);
    }

    /// <summary>
    /// I_x(a, b) = B(x; a, b) / B(a, b), by the continued fraction of the incomplete beta (modified Lentz), used on
    /// whichever side of the mean (a+1)/(a+b+2) it converges fast, the other side through I_x(a,b) = 1 − I_{1−x}(b,a).
    /// </summary>
    public static double RegularizedBeta(double x, double a, double b)
    {
        if (!(a > 0 && b > 0)) throw new ArgumentOutOfRangeException(nameof(a), $"I_x(a, b) needs a > 0 and b > 0 (a = {a}, b = {b}).");
        if (!(x >= 0 && x <= 1)) throw new ArgumentOutOfRangeException(nameof(x), x, "I_x(a, b) needs 0 ≤ x ≤ 1.");
        if (x == 0) return 0;
        if (x == 1) return 1;
        // x^a (1−x)^b / (a·B(a, b)), in logs so large a, b do not overflow.
        var front = Math.Exp(a * Math.Log(x) + b * Math.Log(1 - x) - LogBeta(a, b));
        return x < (a + 1) / (a + b + 2)
            ? front * BetaContinuedFraction(x, a, b) / a
            : 1 - front * BetaContinuedFraction(1 - x, b, a) / b;
    }

    /// <summary>ln Γ(x) for x &gt; 0: Lanczos (g = 7, 9 terms), with the reflection-free shift for x &lt; 0.5 via Γ(x) = Γ(x+1)/x.</summary>
    public static double LogGamma(double x)
    {
        if (!(x > 0)) throw new ArgumentOutOfRangeException(nameof(x), x, "ln Γ(x) is used for x > 0 only.");
        if (x < 0.5) return LogGamma(x + 1) - Math.Log(x);
        x -= 1;
        var sum = Lanczos[0];
        for (var i = 1; i < Lanczos.Length; i++) sum += Lanczos[i] / (x + i);
        var t = x + LanczosG + 0.5;
        return 0.5 * Math.Log(2 * Math.PI) + (x + 0.5) * Math.Log(t) - t + Math.Log(sum);
    }

    private static double LogBeta(double a, double b) => LogGamma(a) + LogGamma(b) - LogGamma(a + b);

    private const double LanczosG = 7;

    private static readonly double[] Lanczos =
    [
        0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
        12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
    ];

    /// <summary>The continued fraction 1/(1+ d₁/(1+ d₂/(1+ …))) of the incomplete beta, evaluated by modified Lentz.</summary>
    private static double BetaContinuedFraction(double x, double a, double b)
    {
        const double tiny = 1e-300, epsilon = 1e-15;
        double c = 1, d = 1 - (a + b) * x / (a + 1);
        if (Math.Abs(d) < tiny) d = tiny;
        d = 1 / d;
        var h = d;
        for (var m = 1; m <= 10_000; m++)
        {
            // even term d_{2m} = m(b−m)x / ((a+2m−1)(a+2m))
            var term = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m));
            d = 1 + term * d;
            if (Math.Abs(d) < tiny) d = tiny;
            c = 1 + term / c;
            if (Math.Abs(c) < tiny) c = tiny;
            d = 1 / d;
            h *= d * c;
            // odd term d_{2m+1} = −(a+m)(a+b+m)x / ((a+2m)(a+2m+1))
            term = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1));
            d = 1 + term * d;
            if (Math.Abs(d) < tiny) d = tiny;
            c = 1 + term / c;
            if (Math.Abs(c) < tiny) c = tiny;
            d = 1 / d;
            var delta = d * c;
            h *= delta;
            if (Math.Abs(delta - 1) < epsilon) return h;
        }
        throw new InvalidOperationException($"The incomplete beta continued fraction did not converge (x = {x}, a = {a}, b = {b}).");
    }
}
