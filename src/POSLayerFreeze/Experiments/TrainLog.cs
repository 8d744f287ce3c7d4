using System.Text.Json.Nodes;
using POSLayerFreeze.Runtime;
using POSLayerFreeze.Training;
using TorchSharp;

namespace POSLayerFreeze.Experiments;

/// <summary>
/// A run's training log in the two forms researchers read: <c>log_history</c> as Hugging Face Trainer writes it in
/// trainer_state.json (one object per logging step with <c>epoch</c>, <c>grad_norm</c>, <c>learning_rate</c>,
/// <c>loss</c>, <c>step</c>; evaluations as <c>eval_accuracy</c> entries), and TensorBoard event files with the tags
/// of Hugging Face's TensorBoardCallback (<c>train/loss</c>, <c>train/learning_rate</c>, <c>train/grad_norm</c>,
/// <c>train/epoch</c>, <c>eval/accuracy</c>), written by TorchSharp's SummaryWriter.
/// </summary>
public static class TrainLog
{
    public const string TensorBoardDirectory = "tensorboard";

    /// <summary>One evaluation of dev accuracy at a step (after an epoch or at the end of training).</summary>
    public sealed record Evaluation(int Step, double Epoch, double Accuracy);

    public static IReadOnlyList<LogHistoryEntry> LogHistory(IReadOnlyList<LogEntry> log, IReadOnlyList<Evaluation> evaluations)
    {
        ArgumentNullException.ThrowIfNull(log);
        ArgumentNullException.ThrowIfNull(evaluations);
        return log.Select(e => (e.Step, Order: 0, Entry: new LogHistoryEntry
            {
                Epoch = Rounded(e.Epoch), GradNorm = Rounded(e.GradNorm), LearningRate = e.LearningRate, Loss = Rounded(e.Loss), Step = e.Step,
            }))
            .Concat(evaluations.Select(v => (v.Step, Order: 1, Entry: new LogHistoryEntry { Epoch = Rounded(v.Epoch), EvalAccuracy = v.Accuracy, Step = v.Step })))
            // Hugging Face appends in time order: a logging step before the evaluation at the same step.
            .OrderBy(e => e.Step).ThenBy(e => e.Order)
            .Select(e => e.Entry).ToArray();
    }

    /// <summary>
    /// Writes the event file into <paramref name="directory"/>: first into a fresh temp folder beside it, then moved
    /// into place, so a reader never sees a half-written log (the writer appends event by event).
    /// </summary>
    public static string WriteTensorBoard(string directory, IReadOnlyList<LogEntry> log, IReadOnlyList<Evaluation> evaluations)
    {
        ArgumentNullException.ThrowIfNull(log);
        ArgumentNullException.ThrowIfNull(evaluations);
        var full = Path.GetFullPath(directory);
        var parent = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(parent);
        var temp = AtomicFile.TempName(full);   // a stale one (killed mid-write) is removed by the next sweep
        try
        {
            var writer = torch.utils.tensorboard.SummaryWriter(temp);
            foreach (var e in log)
            {
                // The values of log_history (6 decimals, as metrics.json's train.loss), so the two agree exactly.
                writer.add_scalar("train/loss", (float)Rounded(e.Loss), e.Step);
                writer.add_scalar("train/learning_rate", (float)e.LearningRate, e.Step);
                writer.add_scalar("train/grad_norm", (float)Rounded(e.GradNorm), e.Step);
                writer.add_scalar("train/epoch", (float)Rounded(e.Epoch), e.Step);
            }
            foreach (var v in evaluations) writer.add_scalar("eval/accuracy", (float)v.Accuracy, v.Step);
            if (Directory.Exists(full)) Directory.Delete(full, recursive: true);
            Directory.Move(temp, full);
            return full;
        }
        finally
        {
            if (Directory.Exists(temp)) Directory.Delete(temp, recursive: true);
        }
    }

    private static double Rounded(double value) => Math.Round(value, 6);
}
