namespace Portal.Core.Security;

/// <summary>
/// Portal.Core's own answer: the scope's fixed actor, else nobody. Hosts with signed-in users (the web
/// app) replace it; anything left unregistered fails safe, refusing every change.
/// </summary>
public sealed class ScopedCurrentUser(ActorScope scope) : ICurrentUser
{
    public Task<Actor> GetAsync(CancellationToken cancellationToken = default) => Task.FromResult(scope.Actor ?? Actor.Anonymous);
}
