namespace Portal.Core.Security;

/// <summary>
/// The one current-user context every state-changing Core operation asks. The web app answers from the
/// signed-in circuit or request; the command line and background work open an <see cref="ActorScope"/>.
/// Nothing the caller passes as a parameter decides who is acting.
/// </summary>
public interface ICurrentUser
{
    Task<Actor> GetAsync(CancellationToken cancellationToken = default);
}
