using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Portal.Core.Data.Sqlite.Migrations
{
    /// <summary>
    /// Visitors and accounts stored before default metadata existed get their counts from their stored events, in one
    /// grouped pass over Events per kind (there is no index on Events by visitor or account, on purpose). Rows the writer
    /// has counted already (EventCount above 0) are left alone. A UTC day is ticks / TicksPerDay, as DefaultFields.Day.
    /// </summary>
    public partial class BackfillDefaultMetadata : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                UPDATE Visitors SET EventCount = c.Events, DaysActive = c.Days, LastActiveDay = c.LastDay
                FROM (SELECT ApplicationId AS App, VisitorId AS Id, count(*) AS Events, count(DISTINCT Timestamp / 864000000000) AS Days,
                             max(Timestamp / 864000000000) AS LastDay
                      FROM Events WHERE VisitorId IS NOT NULL GROUP BY ApplicationId, VisitorId) AS c
                WHERE Visitors.ApplicationId = c.App AND Visitors.VisitorId = c.Id AND Visitors.EventCount = 0;
                """);
            migrationBuilder.Sql("""
                UPDATE Accounts SET EventCount = c.Events, DaysActive = c.Days, LastActiveDay = c.LastDay
                FROM (SELECT ApplicationId AS App, AccountId AS Id, count(*) AS Events, count(DISTINCT Timestamp / 864000000000) AS Days,
                             max(Timestamp / 864000000000) AS LastDay
                      FROM Events WHERE AccountId IS NOT NULL GROUP BY ApplicationId, AccountId) AS c
                WHERE Accounts.ApplicationId = c.App AND Accounts.AccountId = c.Id AND Accounts.EventCount = 0;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            // Data only: the counts stay (the previous version ignores them).
        }
    }
}
