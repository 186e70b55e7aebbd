using Bunit;
using MudBlazor;
using Portal.Components.Browse;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Components.Browse;

public sealed class TextChipTests : PortalComponentTest
{
    public static TheoryData<Color, Variant> Looks()
    {
        var looks = new TheoryData<Color, Variant>();
        foreach (var color in Enum.GetValues<Color>())
        {
            foreach (var variant in Enum.GetValues<Variant>()) looks.Add(color, variant);
        }
        return looks;
    }

    [Theory]
    [MemberData(nameof(Looks))]
    public void ATextChipHasTheClassesOfASmallMudChipOfTheSameColorAndVariant(Color color, Variant variant)
    {
        var mud = Render<MudChip<string>>(p => p.Add(c => c.Size, Size.Small).Add(c => c.Color, color).Add(c => c.Variant, variant)
            .AddChildContent("segment.io"));
        var text = Render<TextChip>(p => p.Add(c => c.Color, color).Add(c => c.Variant, variant).AddChildContent("segment.io"));

        var expected = mud.Find(".mud-chip");
        var actual = text.Find(".mud-chip");
        Assert.Equal(expected.ClassList.OrderBy(c => c), actual.ClassList.OrderBy(c => c));
        Assert.Equal(expected.QuerySelector(".mud-chip-content")!.TextContent, actual.QuerySelector(".mud-chip-content")!.TextContent);
    }
}
