namespace POSLayerFreeze.Analysis;

/// <summary>
/// Linear centred kernel alignment between two representations of the same n examples (rows), in double precision:
/// Kornblith et al. 2019, "Similarity of Neural Network Representations Revisited", in its feature-space form, and
/// the debiased form that replaces HSIC by the unbiased estimator of Song et al. 2012 (as Kornblith's reference code
/// and Nguyen et al. 2021 use it). Both are invariant to orthogonal transforms and isotropic scaling of either side;
/// neither is invariant to arbitrary invertible linear maps, and both can be dominated by a few high-variance
/// dimensions (the known caveat), so read them beside the probes, not instead of them.
/// </summary>
public static class Cka
{
    /// <summary>
    /// ‖Yᵀ X‖²_F / (‖Xᵀ X‖_F ‖Yᵀ Y‖_F) on column-centred X [n, p] and Y [n, q]: equal to the Gram form
    /// HSIC(K, L) / √(HSIC(K, K) HSIC(L, L)) with K = X Xᵀ, L = Y Yᵀ, at O(n·(p + q)²) instead of O(n²).
    /// </summary>
    public static double Linear(double[,] x, double[,] y) => Compute(x, y, debiased: false);

    /// <summary>
    /// The same ratio with each HSIC replaced by the unbiased estimator (Song et al. 2012), written in feature space:
    /// for centred X, Y and squared row norms a = rowsum(X∘X), b = rowsum(Y∘Y),
    /// ‖Yᵀ X‖²_F − n/(n−2)·a·b + ‖X‖²_F ‖Y‖²_F / ((n−1)(n−2)) is, up to a factor that cancels, HSIC₁(K, L). Needs
    /// n ≥ 4. Its value is near 0 for unrelated representations even when p, q are not small against n (the biased
    /// form is not); it can be slightly negative, and is undefined (NaN) where a side's unbiased HSIC is ≤ 0.
    /// </summary>
    public static double LinearDebiased(double[,] x, double[,] y) => Compute(x, y, debiased: true);

    private static double Compute(double[,] x, double[,] y, bool debiased)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        var n = x.GetLength(0);
        if (y.GetLength(0) != n)
            throw new ArgumentException($"CKA compares the same examples: X has {n} rows, Y has {y.GetLength(0)}", nameof(y));
        if (n < (debiased ? 4 : 2))
            throw new ArgumentException($"CKA needs at least {(debiased ? 4 : 2)} examples (rows), got {n}", nameof(x));
        var cx = Centred(x);
        var cy = Centred(y);
        var xy = SquaredFrobenius(CrossProduct(cy, cx));
        var xx = SquaredFrobenius(CrossProduct(cx, cx));
        var yy = SquaredFrobenius(CrossProduct(cy, cy));
        if (!debiased) return xy / Math.Sqrt(xx * yy);
        var rowsX = SquaredRowNorms(cx);
        var rowsY = SquaredRowNorms(cy);
        var normX = rowsX.Sum();
        var normY = rowsY.Sum();
        double Unbiased(double dot, double[] rowsA, double[] rowsB, double normA, double normB) =>
            dot - (double)n / (n - 2) * Dot(rowsA, rowsB) + normA * normB / ((n - 1.0) * (n - 2.0));
        var hsicXy = Unbiased(xy, rowsX, rowsY, normX, normY);
        var hsicXx = Unbiased(xx, rowsX, rowsX, normX, normX);
        var hsicYy = Unbiased(yy, rowsY, rowsY, normY, normY);
        return hsicXx > 0 && hsicYy > 0 ? hsicXy / Math.Sqrt(hsicXx * hsicYy) : double.NaN;
    }

    /// <summary>A copy of <paramref name="m"/> [n, p] with each column's mean subtracted.</summary>
    private static double[,] Centred(double[,] m)
    {
        var (n, p) = (m.GetLength(0), m.GetLength(1));
        var result = new double[n, p];
        for (var j = 0; j < p; j++)
        {
            var mean = 0.0;
            for (var i = 0; i < n; i++) mean += m[i, j];
            mean /= n;
            for (var i = 0; i < n; i++) result[i, j] = m[i, j] - mean;
        }
        return result;
    }

    /// <summary>Aᵀ B for A [n, p], B [n, q] → [p, q].</summary>
    private static double[,] CrossProduct(double[,] a, double[,] b)
    {
        var (n, p, q) = (a.GetLength(0), a.GetLength(1), b.GetLength(1));
        var result = new double[p, q];
        for (var i = 0; i < n; i++)
            for (var r = 0; r < p; r++)
            {
                var air = a[i, r];
                for (var c = 0; c < q; c++) result[r, c] += air * b[i, c];
            }
        return result;
    }

    private static double SquaredFrobenius(double[,] m)
    {
        var sum = 0.0;
        foreach (var v in m) sum += v * v;
        return sum;
    }

    private static double[] SquaredRowNorms(double[,] m)
    {
        var (n, p) = (m.GetLength(0), m.GetLength(1));
        var result = new double[n];
        for (var i = 0; i < n; i++)
            for (var j = 0; j < p; j++) result[i] += m[i, j] * m[i, j];
        return result;
    }

    private static double Dot(double[] a, double[] b)
    {
        var sum = 0.0;
        for (var i = 0; i < a.Length; i++) sum += a[i] * b[i];
        return sum;
    }
}
