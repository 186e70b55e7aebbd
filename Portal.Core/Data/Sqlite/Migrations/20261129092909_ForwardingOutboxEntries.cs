using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Portal.Core.Data.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class ForwardingOutboxEntries : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_ForwardingOutbox_ApplicationId_MessageId",
                table: "ForwardingOutbox");

            migrationBuilder.AddColumn<byte[]>(
                name: "Body",
                table: "ForwardingOutbox",
                type: "BLOB",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "Count",
                table: "ForwardingOutbox",
                type: "INTEGER",
                nullable: false,
                defaultValue: 1);

            migrationBuilder.RenameColumn(
                name: "MessageId",
                table: "ForwardingOutbox",
                newName: "MessageIds");

            // Rows queued before entries held one message each: their JSON becomes a one-element body (raw SQL: a data conversion).
            migrationBuilder.Sql("UPDATE ForwardingOutbox SET Body = CAST('[' || Json || ']' AS BLOB), MessageIds = json_array(MessageIds) WHERE Json IS NOT NULL;");
            migrationBuilder.Sql("UPDATE ForwardingOutbox SET MessageIds = json_array(MessageIds) WHERE Json IS NULL;");

            migrationBuilder.DropColumn(
                name: "Json",
                table: "ForwardingOutbox");

            migrationBuilder.CreateTable(
                name: "ForwardingDeliveries",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    ApplicationId = table.Column<Guid>(type: "TEXT", nullable: false),
                    DeliveredAt = table.Column<long>(type: "INTEGER", nullable: false),
                    Count = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ForwardingDeliveries", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_ForwardingDeliveries_ApplicationId_DeliveredAt",
                table: "ForwardingDeliveries",
                columns: new[] { "ApplicationId", "DeliveredAt" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "ForwardingDeliveries");

            migrationBuilder.DropColumn(
                name: "Body",
                table: "ForwardingOutbox");

            migrationBuilder.DropColumn(
                name: "Count",
                table: "ForwardingOutbox");

            migrationBuilder.RenameColumn(
                name: "MessageIds",
                table: "ForwardingOutbox",
                newName: "MessageId");

            migrationBuilder.AddColumn<string>(
                name: "Json",
                table: "ForwardingOutbox",
                type: "TEXT",
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "IX_ForwardingOutbox_ApplicationId_MessageId",
                table: "ForwardingOutbox",
                columns: new[] { "ApplicationId", "MessageId" });
        }
    }
}
