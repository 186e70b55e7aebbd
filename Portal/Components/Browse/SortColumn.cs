using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace Portal.Components.Browse;

/// <summary>
/// A server-sorted grid column named by a sort key (the name the page's loader maps to a query sort) instead of a
/// property expression; its cells come from <c>CellTemplate</c>.
/// </summary>
/// <remarks>
/// MudBlazor's <see cref="PropertyColumn{T, TProperty}"/> compiles its expression into a dynamic method in every new
/// column instance (per column, for every prerendered page and every circuit) and again whenever the page re-renders,
/// since a lambda in markup is a new expression each time: a grid page under live refreshes compiled its columns once a
/// second. These grids sort on the server and never needed the compiled getter.
/// </remarks>
public sealed class SortColumn<T> : TemplateColumn<T>
{
    public SortColumn() => Sortable = true;

    /// <summary>The grid's <c>SortDefinitions</c> name this column by it.</summary>
    [Parameter, EditorRequired] public string SortKey { get; set; } = "";

    public override string PropertyName => SortKey;
}
