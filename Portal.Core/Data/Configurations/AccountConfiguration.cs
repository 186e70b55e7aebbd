using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Portal.Core.Accounts;

namespace Portal.Core.Data.Configurations;

internal sealed class AccountConfiguration : IEntityTypeConfiguration<Account>
{
    public void Configure(EntityTypeBuilder<Account> b)
    {
        b.HasIndex(a => new { a.ApplicationId, a.AccountId }).IsUnique();
        b.HasIndex(a => new { a.ApplicationId, a.LastSeen });
    }
}
