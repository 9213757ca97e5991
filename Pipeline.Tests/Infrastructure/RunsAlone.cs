namespace Pipeline.Tests.Infrastructure;

/// <summary>
/// Tests that read process-wide state other tests change while they run (the service's shared runner pool counts
/// every lease in the process): xunit runs this collection after the others, with nothing beside it.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class RunsAlone
{
    /// <summary>The collection's name for <c>[Collection(RunsAlone.Name)]</c>.</summary>
    public const string Name = "runs alone";
}
