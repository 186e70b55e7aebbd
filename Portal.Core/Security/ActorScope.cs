using Microsoft.Extensions.DependencyInjection;

namespace Portal.Core.Security;

/// <summary>
/// Holds an actor fixed for a whole service scope, for callers that have no signed-in user: the command
/// line and start-up work. Only code that creates the scope can set it; the web app never does.
/// </summary>
public sealed class ActorScope
{
    public Actor? Actor { get; private set; }

    internal void Set(Actor actor)
    {
        if (Actor is not null) throw new InvalidOperationException("This scope already acts as " + Actor.Name + ".");
        Actor = actor;
    }
}

public static class ActorScopeExtensions
{
    /// <summary>A service scope in which Core services act as <paramref name="actor"/>.</summary>
    public static AsyncServiceScope CreateActorScope(this IServiceProvider services, Actor actor)
    {
        var scope = services.GetRequiredService<IServiceScopeFactory>().CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<ActorScope>().Set(actor);
        return scope;
    }
}
