using MudBlazor;

namespace Portal.Components.Shared;

public static class PortalTheme
{
    public static readonly MudTheme Theme = new()
    {
        PaletteLight = new PaletteLight
        {
            Primary = "#3b4cca",
            Secondary = "#e8446b",
            AppbarBackground = "#1f2a55",
            Background = "#f6f7fb",
        },
        PaletteDark = new PaletteDark
        {
            Primary = "#8c9bff",
            Secondary = "#ff7a98",
            AppbarBackground = "#161a2e",
        },
        LayoutProperties = new LayoutProperties { DefaultBorderRadius = "6px" },
    };
}
