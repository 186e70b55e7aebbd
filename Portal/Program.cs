using Portal.Cli;
using Portal.Components;
using Portal.Components.Account;
using Portal.Core;
using Portal.Health;
using Portal.Hosting;
using Portal.Hosting.Shutdown;
using Portal.Ingestion;
using Portal.Logging;
using Portal.Metrics;

var builder = WebApplication.CreateBuilder(args);

builder.AddPortalLogging();
builder.Services.AddPortalCore();
builder.Services.AddPortalWeb();
builder.Services.AddPortalIngestion();
builder.Services.AddPortalShutdownDrain();
builder.Services.AddPortalHealthChecks();
builder.Services.AddPortalMetrics(builder.Configuration);

var app = builder.Build();

if (PortalCli.IsCommand(args))
{
    return await PortalCli.RunAsync(app.Services, args);
}

await app.InitializePortalDatabaseAsync();

app.UsePortalWeb();
app.MapPortalHealth();
app.MapPortalMetrics();
app.MapIngestion();
app.MapPortalAccount();
app.MapPortalUi();

await app.RunAsync();
return 0;
