using Ws101.PubSub;

namespace Ws101.Tests.PubSub;

/// <summary>
/// Reads a positioned subscription (JSON frames) on one connection and keeps, in arrival order, every frame: the
/// recovery signals and the messages "P:SEQ" with their positions.
/// </summary>
internal sealed class PositionedRecorder
{
    private readonly List<PositionedMessage> _frames = [];

    public PositionedMessage[] Frames
    {
        get
        {
            lock (_frames)
            {
                return [.. _frames];
            }
        }
    }

    /// <summary>The messages' sequence numbers, in arrival order.</summary>
    public long[] Sequence => Frames.Where(f => f.Position is not null).Select(f => long.Parse(f.Text![(f.Text!.IndexOf(':') + 1)..], System.Globalization.CultureInfo.InvariantCulture)).ToArray();

    public int Messages => Frames.Count(f => f.Position is not null);

    public string? LastPosition => Frames.LastOrDefault(f => f.Position is not null)?.Position;

    public Task RunAsync(WebSocketConnection ws, CancellationToken ct) => Task.Run(async () =>
    {
        while (true)
        {
            WebSocketMessage m;
            try
            {
                m = await ws.ReceiveAsync(ct);
            }
            catch (Exception ex) when (ex is WebSocketClosedException or IOException || ws.CloseStatus is not null)
            {
                // Aborted by the test: the connection is gone.
                return;
            }
            if (m.IsClose)
            {
                return;
            }
            Assert.True(PositionedMessage.TryRead(m, out var frame), "not a positioned frame: " + m.GetText());
            lock (_frames)
            {
                _frames.Add(frame);
            }
        }
    }, ct);

    /// <summary>Adds frames read elsewhere (a reconnecting socket).</summary>
    public void Add(PositionedMessage frame)
    {
        lock (_frames)
        {
            _frames.Add(frame);
        }
    }
}
