using System.Text.Json;
using Microsoft.AspNetCore.Components;
using MudBlazor;
using Portal.Core.Ingestion;

namespace Portal.Components.Browse;

/// <summary>
/// A server-paged <see cref="MudDataGrid{T}"/> whose first page is in the prerendered HTML and is handed to the
/// interactive render through persistent component state, so rows show at first paint and the circuit does not
/// query them again. MudDataGrid calls <c>ServerData</c> only after its first interactive render; this grid also
/// calls it before its first render while prerendering, and answers its first interactive loads from the snapshot.
/// </summary>
/// <remarks>
/// Paging, sorting and <see cref="MudDataGrid{T}.ReloadServerData"/> go to the page's <c>ServerData</c> as before.
/// If an ingestion commit was published between the prerender and the circuit's start (when no live refresh was
/// listening), the first interactive load asks the server again instead of trusting the snapshot.
/// </remarks>
[CascadingTypeParameter(nameof(T))]
public sealed class PrerenderedDataGrid<T> : MudDataGrid<T>
{
    private readonly Func<GridState<T>, CancellationToken, Task<GridData<T>>> _load;
    private Func<GridState<T>, CancellationToken, Task<GridData<T>>>? _pageLoad;
    private GridSnapshot<T>? _restored;
    private GridSnapshot<T>? _prerendered;
    private PersistingComponentStateSubscription? _persisting;
    private bool _started;

    public PrerenderedDataGrid()
    {
        _load = LoadAsync;
        // Each column's options menu (a button, an icon, a menu and its popover) held nothing these grids use (no column
        // filters, no hiding) and made up a tenth of the first HTML before the rows; sorting stays on the header.
        ShowColumnOptions = false;
    }

    [Inject] private PersistentComponentState ApplicationState { get; set; } = default!;
    [Inject] private IngestionNotifications Notifications { get; set; } = default!;

    /// <summary>Names this grid's snapshot in the page's persisted state: unique on the page, and naming what selects the rows (the application).</summary>
    [Parameter, EditorRequired] public string StateKey { get; set; } = "";

    private string PersistedKey => $"grid:{StateKey}";

    protected override void OnParametersSet()
    {
        // The page passes its loader on every render; keep it and load through the snapshot-aware wrapper.
        if (ServerData is { } given && !ReferenceEquals(given, _load))
        {
            _pageLoad = given;
            ServerData = _load;
        }
        base.OnParametersSet();
    }

    protected override async Task OnParametersSetAsync()
    {
        await base.OnParametersSetAsync();
        if (_started) return;
        _started = true;
        if (ApplicationState.TryTakeFromJson<GridSnapshot<T>>(PersistedKey, out var snapshot)) _restored = snapshot;
        if (!RendererInfo.IsInteractive)
            _persisting = ApplicationState.RegisterOnPersisting(PersistAsync);
        // Rows before the first render: queried while prerendering, taken from the snapshot when interactive.
        if (!RendererInfo.IsInteractive || _restored is not null) await ReloadServerData();
    }

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (firstRender && _restored is not null && _restored.Published != Notifications.Published) _restored = null;
        await base.OnAfterRenderAsync(firstRender);
        // The snapshot answered the loads of the first render; from now on every load asks the server.
        if (firstRender) _restored = null;
    }

    private Task<GridData<T>> LoadAsync(GridState<T> state, CancellationToken cancellationToken)
    {
        if (_restored is { } snapshot && snapshot.Matches(state))
            return Task.FromResult(new GridData<T> { Items = snapshot.Items, TotalItems = snapshot.TotalItems });
        return LoadFromPageAsync(state, cancellationToken);
    }

    private async Task<GridData<T>> LoadFromPageAsync(GridState<T> state, CancellationToken cancellationToken)
    {
        // Counted before the query, so a commit during it marks the snapshot stale rather than going unnoticed.
        var published = Notifications.Published;
        var data = await _pageLoad!(state, cancellationToken);
        if (!RendererInfo.IsInteractive) _prerendered = GridSnapshot<T>.Of(state, data, published);
        return data;
    }

    private Task PersistAsync()
    {
        // An oversized page is left out: the circuit then queries it, as it would without a snapshot.
        if (_prerendered is not null && JsonSerializer.SerializeToUtf8Bytes(_prerendered, PrerenderedGrids.Json).Length <= PrerenderedGrids.MaxSnapshotBytes)
            ApplicationState.PersistAsJson(PersistedKey, _prerendered);
        return Task.CompletedTask;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) _persisting?.Dispose();
        base.Dispose(disposing);
    }
}

/// <summary>Size limits for the prerendered first pages handed to the circuit.</summary>
public static class PrerenderedGrids
{
    /// <summary>
    /// A snapshot's JSON at most this big is persisted. The persisted state reaches the server protected and
    /// base64-encoded (about 1.5 times bigger) inside the circuit's start message.
    /// </summary>
    public const int MaxSnapshotBytes = 64 * 1024;

    /// <summary>The SignalR receive limit for circuits: room for one snapshot and the page's other state.</summary>
    public const int MaxCircuitStartBytes = 192 * 1024;

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
}

/// <summary>One page of a grid as prerendered: the rows, the total, the grid state that asked for them, and the commit count then.</summary>
public sealed record GridSnapshot<T>(List<T> Items, int TotalItems, int Page, int PageSize, string Sort, long Published)
{
    public static GridSnapshot<T> Of(GridState<T> state, GridData<T> data, long published) =>
        new(data.Items.ToList(), data.TotalItems, state.Page, state.PageSize, SortOf(state), published);

    public bool Matches(GridState<T> state) => state.Page == Page && state.PageSize == PageSize && SortOf(state) == Sort;

    private static string SortOf(GridState<T> state) =>
        string.Join(",", state.SortDefinitions.Select(s => $"{s.SortBy}:{(s.Descending ? "desc" : "asc")}"));
}
