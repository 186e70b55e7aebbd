using Bunit;
using Microsoft.AspNetCore.Components;

namespace Portal.Tests.Infrastructure;

public static class RenderedClickExtensions
{
    /// <summary>
    /// Waits for the element, then finds and clicks it in one turn of the renderer. A page that
    /// renders again on its own (a load finishing, a progress report) would otherwise retire the
    /// handler of an element found a moment earlier, and the click would fail for no reason of the test's.
    /// </summary>
    public static async Task ClickWhenPresentAsync<T>(this IRenderedComponent<T> cut, string selector)
        where T : IComponent
    {
        cut.WaitForElement(selector);
        await cut.InvokeAsync(() => cut.Find(selector).Click());
    }
}
