namespace Portal.Core.Audit;

/// <summary>The audit vocabulary; the Audit log page filters by these.</summary>
public static class AuditActions
{
    public const string UserCreated = "user.created";
    public const string UserRoleChanged = "user.role-changed";
    public const string UserLocked = "user.locked";
    public const string UserUnlocked = "user.unlocked";
    public const string UserPasswordReset = "user.password-reset";

    public const string AppCreated = "app.created";
    public const string AppEdited = "app.edited";
    public const string AppArchived = "app.archived";
    public const string AppRestored = "app.restored";

    public const string KeyGenerated = "key.generated";
    public const string KeyImported = "key.imported";
    public const string KeyLabelled = "key.labelled";
    public const string KeyRotated = "key.rotated";
    public const string KeyRevoked = "key.revoked";
    public const string KeyRevealed = "key.revealed";
    public const string KeyTestSent = "key.test-sent";

    public const string MappingChanged = "mapping.changed";

    public const string ForwardingEnabled = "forwarding.enabled";
    public const string ForwardingDisabled = "forwarding.disabled";
    public const string ForwardingRetried = "forwarding.retried";
    public const string ForwardingDiscarded = "forwarding.discarded";
    public const string ForwardingReplayed = "forwarding.replayed";

    public const string MappingDeleted = "mapping.deleted";

    public const string VisitorErased = "visitor.erased";
    public const string AccountErased = "account.erased";

    public const string CustomFieldCreated = "custom-field.created";
    public const string CustomFieldDeleted = "custom-field.deleted";
    public const string CustomValuesSet = "custom-field.values-set";
    public const string CustomValuesImported = "custom-field.values-imported";
}
