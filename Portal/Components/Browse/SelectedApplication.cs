namespace Portal.Components.Browse;

/// <summary>The application last picked in this circuit, so moving between browse pages keeps it.</summary>
public sealed class SelectedApplication
{
    public Guid? Id { get; set; }
}
