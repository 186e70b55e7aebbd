using System.Diagnostics.Metrics;

namespace Portal.Tests.Infrastructure;

/// <summary>
/// Sums one counter instrument of one host, by the value of one tag. Only meters from that host's
/// <see cref="IMeterFactory"/> are listened to, so tests running beside it do not add to the counts.
/// </summary>
public sealed class MeterCounter : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly Dictionary<string, long> _byTag = [];

    public MeterCounter(IMeterFactory factory, string meterName, string instrumentName, string tagName)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Scope == factory && instrument.Meter.Name == meterName && instrument.Name == instrumentName)
                listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key != tagName) continue;
                lock (_byTag) _byTag[tag.Value?.ToString() ?? ""] = _byTag.GetValueOrDefault(tag.Value?.ToString() ?? "") + value;
            }
        });
        _listener.Start();
    }

    public long this[string tagValue]
    {
        get { lock (_byTag) return _byTag.GetValueOrDefault(tagValue); }
    }

    public void Dispose() => _listener.Dispose();
}
