using MathNet.Numerics;
using T = MathNet.Numerics.Distributions.StudentT;

namespace POSLayerFreeze.Evaluation;

/// <summary>Student's t distribution for real degrees of freedom ν &gt; 0 (Welch's df is not an integer), from
/// MathNet.Numerics; this class keeps the argument checks and the two-sided p computed from the tail.</summary>
public static class StudentT
{
    /// <summary>P(T ≤ t) for T ~ t(ν).</summary>
    public static double Cdf(double t, double df)
    {
        if (!(df > 0) || double.IsNaN(t)) throw new ArgumentOutOfRangeException(nameof(df), df, "The t distribution needs df > 0 and a number t.");
        if (double.IsPositiveInfinity(t)) return 1;
        if (double.IsNegativeInfinity(t)) return 0;
        return T.CDF(0, 1, df, t);
    }

    /// <summary>Two-sided p-value P(|T| ≥ |t|).</summary>
    public static double TwoSidedP(double t, double df)
    {
        if (!(df > 0) || double.IsNaN(t)) throw new ArgumentOutOfRangeException(nameof(df), df, "The t distribution needs df > 0 and a number t.");
        if (double.IsInfinity(t)) return 0;
        return Math.Min(1, SpecialFunctions.BetaRegularized(df / 2, 0.5, df / (df + t * t)));
    }

    /// <summary>The t with P(T ≤ t) = <paramref name="p"/>, 0 &lt; p &lt; 1.</summary>
    public static double Quantile(double p, double df)
    {
        if (!(p > 0 && p < 1)) throw new ArgumentOutOfRangeException(nameof(p), p, "A quantile needs 0 < p < 1.");
        if (!(df > 0)) throw new ArgumentOutOfRangeException(nameof(df), df, "The t distribution needs df > 0.");
        return T.InvCDF(0, 1, df, p);
    }
}
