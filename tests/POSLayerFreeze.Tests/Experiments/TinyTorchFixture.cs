using TorchSharp;

namespace POSLayerFreeze.Tests.Experiments;

/// <summary>
/// Fixtures that train the tiny model run libtorch on one thread: with hidden size 32 the work per kernel is far
/// smaller than OpenMP's fan-out, and on a busy 2-core runner the spinning threads made a step ~45× slower
/// (2 s instead of 43 ms). The previous thread count is restored for the fixtures that follow.
/// </summary>
public abstract class TinyTorchFixture
{
    private int _threads;

    [OneTimeSetUp]
    public void UseOneTorchThread()
    {
        _threads = torch.get_num_threads();
        torch.set_num_threads(1);
    }

    [OneTimeTearDown]
    public void RestoreTorchThreads() => torch.set_num_threads(_threads);
}
