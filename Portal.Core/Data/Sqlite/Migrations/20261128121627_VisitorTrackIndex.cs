using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Portal.Core.Data.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class VisitorTrackIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Events_ApplicationId_VisitorId_Id",
                table: "Events");

            migrationBuilder.CreateTable(
                name: "IndexWatermarks",
                columns: table => new
                {
                    Name = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    EventId = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_IndexWatermarks", x => x.Name);
                });

            // WITHOUT ROWID, which EF Core cannot express: the key is the whole row, so one B-tree instead of a table plus its key index.
            migrationBuilder.Sql("""
                CREATE TABLE "VisitorTrackEvents" (
                    "ApplicationId" TEXT NOT NULL,
                    "VisitorId" TEXT NOT NULL,
                    "EventId" INTEGER NOT NULL,
                    CONSTRAINT "PK_VisitorTrackEvents" PRIMARY KEY ("ApplicationId", "VisitorId", "EventId")
                ) WITHOUT ROWID;
                """);

            // Index what is already stored, so the deferred index starts complete.
            migrationBuilder.Sql("""
                INSERT INTO "VisitorTrackEvents" ("ApplicationId", "VisitorId", "EventId")
                SELECT "ApplicationId", "VisitorId", "Id" FROM "Events" WHERE "Type" = 'track' AND "VisitorId" IS NOT NULL
                ORDER BY "ApplicationId", "VisitorId", "Id";
                INSERT INTO "IndexWatermarks" ("Name", "EventId") SELECT 'VisitorTrackEvents', coalesce(max("Id"), 0) FROM "Events";
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "IndexWatermarks");

            migrationBuilder.DropTable(
                name: "VisitorTrackEvents");

            migrationBuilder.CreateIndex(
                name: "IX_Events_ApplicationId_VisitorId_Id",
                table: "Events",
                columns: new[] { "ApplicationId", "VisitorId", "Id" });
        }
    }
}
