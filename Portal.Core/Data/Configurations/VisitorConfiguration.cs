using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Portal.Core.Visitors;

namespace Portal.Core.Data.Configurations;

internal sealed class VisitorConfiguration : IEntityTypeConfiguration<Visitor>
{
    public void Configure(EntityTypeBuilder<Visitor> b)
    {
        b.HasIndex(v => new { v.ApplicationId, v.VisitorId }).IsUnique();
        b.HasIndex(v => new { v.ApplicationId, v.LastSeen });
    }
}

internal sealed class VisitorAccountConfiguration : IEntityTypeConfiguration<VisitorAccount>
{
    public void Configure(EntityTypeBuilder<VisitorAccount> b)
    {
        b.HasKey(va => new { va.ApplicationId, va.VisitorId, va.AccountId });
        b.HasIndex(va => new { va.ApplicationId, va.AccountId });
    }
}
