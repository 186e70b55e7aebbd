using Microsoft.AspNetCore.Identity;
using Portal.Core.Users;

namespace Portal.Security.SignIn;

public enum PasswordSignInStatus { SignedIn, TwoFactorRequired, Invalid, Throttled, LockedByAdmin, LockedOut }

public sealed record PasswordSignInResult(PasswordSignInStatus Status, TimeSpan? Wait = null);

/// <summary>
/// The password step of sign-in. Every wrong answer looks the same (unknown email, wrong password, locked
/// account with a wrong password) and costs the same hashing time; a lock is named only to someone who gave
/// the right password. Wrong passwords feed <see cref="SignInThrottle"/>, never Identity's account-wide
/// lockout, so nobody can lock out an Admin by guessing at their account.
/// </summary>
public sealed class PasswordSignIn(SignInManager<PortalUser> signInManager, IPasswordHasher<PortalUser> hasher, SignInThrottle throttle, TimeProvider time)
{
    private static readonly PortalUser Nobody = new();
    private static string? _dummyHash;

    public async Task<PasswordSignInResult> SignInAsync(string email, string password, bool isPersistent, string clientAddress)
    {
        var users = signInManager.UserManager;
        var user = await users.FindByEmailAsync(email);
        // The stamp is part of the key so that an unlock (which renews it) clears the account's throttles everywhere.
        var account = user is null ? "email:" + users.NormalizeEmail(email) : $"user:{user.Id}:{user.SecurityStamp}";
        if (throttle.RetryAfter(account, clientAddress) is { } wait) return new(PasswordSignInStatus.Throttled, wait);

        if (user is null)
        {
            _dummyHash ??= hasher.HashPassword(Nobody, Guid.NewGuid().ToString());
            hasher.VerifyHashedPassword(Nobody, _dummyHash, password);
            return Failed(account, clientAddress);
        }

        if (await users.IsLockedOutAsync(user))
        {
            if (!await users.CheckPasswordAsync(user, password)) return Failed(account, clientAddress);
            var end = await users.GetLockoutEndDateAsync(user);
            return AccountLock.IsAdminLock(end)
                ? new(PasswordSignInStatus.LockedByAdmin)
                : new(PasswordSignInStatus.LockedOut, end - time.GetUtcNow());
        }

        var result = await signInManager.PasswordSignInAsync(user, password, isPersistent, lockoutOnFailure: false);
        if (!result.Succeeded && !result.RequiresTwoFactor) return Failed(account, clientAddress);
        throttle.Reset(account, clientAddress);
        return new(result.Succeeded ? PasswordSignInStatus.SignedIn : PasswordSignInStatus.TwoFactorRequired);
    }

    private PasswordSignInResult Failed(string account, string clientAddress)
    {
        throttle.RecordFailure(account, clientAddress);
        return new(PasswordSignInStatus.Invalid);
    }
}
