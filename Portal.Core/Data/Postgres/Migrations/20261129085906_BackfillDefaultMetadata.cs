using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Portal.Core.Data.Postgres.Migrations
{
    /// <summary>
    /// Visitors and accounts stored before default metadata existed get their counts from their stored events, in one
    /// grouped pass over Events per kind (there is no index on Events by visitor or account, on purpose). Rows the writer
    /// has counted already (EventCount above 0) are left alone. A UTC day is days since 0001-01-01, as DefaultFields.Day (719162 of them before 1970).
    /// </summary>
    public partial class BackfillDefaultMetadata : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                UPDATE "Visitors" t SET "EventCount" = c.events, "DaysActive" = c.days, "LastActiveDay" = c.last_day
                FROM (SELECT "ApplicationId" AS app, "VisitorId" AS id, count(*) AS events, count(DISTINCT (floor(extract(epoch FROM "Timestamp") / 86400))::int + 719162) AS days,
                             max((floor(extract(epoch FROM "Timestamp") / 86400))::int + 719162) AS last_day
                      FROM "Events" WHERE "VisitorId" IS NOT NULL GROUP BY "ApplicationId", "VisitorId") AS c
                WHERE t."ApplicationId" = c.app AND t."VisitorId" = c.id AND t."EventCount" = 0;
                """);
            migrationBuilder.Sql("""
                UPDATE "Accounts" t SET "EventCount" = c.events, "DaysActive" = c.days, "LastActiveDay" = c.last_day
                FROM (SELECT "ApplicationId" AS app, "AccountId" AS id, count(*) AS events, count(DISTINCT (floor(extract(epoch FROM "Timestamp") / 86400))::int + 719162) AS days,
                             max((floor(extract(epoch FROM "Timestamp") / 86400))::int + 719162) AS last_day
                      FROM "Events" WHERE "AccountId" IS NOT NULL GROUP BY "ApplicationId", "AccountId") AS c
                WHERE t."ApplicationId" = c.app AND t."AccountId" = c.id AND t."EventCount" = 0;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            // Data only: the counts stay (the previous version ignores them).
        }
    }
}
