namespace Ws101.Interop.Harness;

/// <summary>
/// The test classes that drive a <see cref="ChromiumRecorder"/> share one browser and run one after the other: on a
/// loaded two-core machine, every extra browser launched beside the others makes each launch slower for all.
/// </summary>
[CollectionDefinition(Name)]
public sealed class ChromiumRecorderCollection : ICollectionFixture<ChromiumRecorderFixture>
{
    /// <summary>The collection's name, for <c>[Collection(ChromiumRecorderCollection.Name)]</c>.</summary>
    public const string Name = "chromium-recorder";
}
