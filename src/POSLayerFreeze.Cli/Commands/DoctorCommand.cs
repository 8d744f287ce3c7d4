using System.CommandLine;
using POSLayerFreeze.Runtime;

namespace POSLayerFreeze.Cli.Commands;

internal static class DoctorCommand
{
    public static Command Create(IEnumerable<Func<string?, DoctorCheck>> environmentChecks, Option<string?> dataDir)
    {
        var command = new Command("doctor", "Check that this machine can train: platform, native libraries, devices, data and model.");
        command.Options.Add(dataDir);
        command.SetAction(parse =>
        {
            var dir = parse.GetValue(dataDir);
            var checks = Doctor.Run(environmentChecks.Select(check => (Func<DoctorCheck>)(() => check(dir))));
            var width = checks.Max(c => c.Name.Length);
            foreach (var c in checks)
            {
                var mark = c.Ok ? "ok  " : c.Required ? "FAIL" : "--  ";
                Console.WriteLine($"{mark} {c.Name.PadRight(width)}  {c.Value}");
            }
            var canTrain = Doctor.CanTrain(checks);
            Console.WriteLine(canTrain ? "doctor: this machine can train." : "doctor: this machine cannot train (see FAIL above).");
            return canTrain ? 0 : 1;
        });
        return command;
    }
}
