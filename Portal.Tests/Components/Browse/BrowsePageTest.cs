using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.EntityFrameworkCore;
using Portal.Core.Data;
using Portal.Tests.Core.Browse;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Components.Browse;

/// <summary>bUnit base for the browse pages: direct data seeding and the hostile-text assertion.</summary>
public abstract class BrowsePageTest : PortalComponentTest
{
    internal BrowseData Data => new(Service<IDbContextFactory<PortalDbContext>>());

    /// <summary>Query-string parameters are supplied by navigating, as the router would; route parameters are passed.</summary>
    protected IRenderedComponent<T> RenderAt<T>(string relativeUri, Action<ComponentParameterCollectionBuilder<T>>? parameters = null)
        where T : IComponent
    {
        Service<NavigationManager>().NavigateTo(relativeUri);
        return Render<T>(parameters ?? (_ => { }));
    }

    /// <summary>Hostile strings must appear escaped as text, and no element they describe may exist.</summary>
    protected static void AssertRenderedAsText<T>(IRenderedComponent<T> page) where T : IComponent
    {
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;", page.Markup);
        Assert.Contains("&lt;img src=x onerror=alert(1)&gt;", page.Markup);
        Assert.Empty(page.FindAll("script"));
        Assert.Empty(page.FindAll("img"));
        Assert.Empty(page.FindAll("[onerror]"));
    }
}
