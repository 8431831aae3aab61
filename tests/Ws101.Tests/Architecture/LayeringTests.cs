using System.Collections.Immutable;
using System.Reflection;
using System.Reflection.Emit;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;

namespace Ws101.Tests.Architecture;

/// <summary>
/// The layers of Ws101.dll go one way, checked on the compiled library: every type is placed in the folder of its file
/// (one type per file, src/Ws101/&lt;Folder&gt;/&lt;Type&gt;.cs, so namespaces may change without moving a type's layer), and
/// everything it refers to (base types, fields, signatures, locals, attributes, and every token in its method bodies,
/// including the compiler's async state machines and lambdas) must sit in its own folder or one below it.
/// </summary>
public class LayeringTests
{
    /// <summary>
    /// The layer diagram, lowest first. A folder may use its own types and those of the folders before it, never those after.
    /// <code>
    ///   Compatibility   System.Net.WebSockets.WebSocket over a connection
    ///   Client          WebSocketClient: connect, TLS, handshake
    ///   Server          WebSocketServer: listen, upgrade, route, heartbeat
    ///   PubSub          topics: the outbox per connection, the slow-subscriber policy, the backplane
    ///   Connection      WebSocketConnection: drives the core over a transport, one lock
    ///   Diagnostics     metrics
    ///   Transport       sockets, epoll event loops, TLS streams
    ///   Protocol        the sans-I/O core: frames, close rules, and the permessage-deflate stage
    ///   Compression     the deflate codec
    ///   Handshake       pure functions over the upgrade text, extension negotiation
    /// </code>
    /// </summary>
    private static readonly string[] Layers =
        ["Handshake", "Compression", "Protocol", "Transport", "Diagnostics", "Connection", "PubSub", "Server", "Client", "Compatibility"];

    /// <summary>The layers that do no I/O: no sockets, tasks, locks, threads, timers or clocks (time comes in as a value).</summary>
    private static readonly string[] Pure = ["Handshake", "Compression", "Protocol"];

    private static readonly string[] ForbiddenInPureNamespaces = ["System.Net.Sockets.", "System.Threading.Tasks.", "System.Timers."];

    private static readonly string[] ForbiddenInPureTypes =
    [
        // Tasks and the async machinery that comes with them.
        "System.Runtime.CompilerServices.AsyncTaskMethodBuilder", "System.Runtime.CompilerServices.AsyncValueTaskMethodBuilder",
        "System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder", "System.Runtime.CompilerServices.AsyncVoidMethodBuilder",
        "System.Runtime.CompilerServices.IAsyncStateMachine", "System.Threading.CancellationToken", "System.Threading.CancellationTokenSource",
        // Locks and threads.
        "System.Threading.Monitor", "System.Threading.Lock", "System.Threading.SemaphoreSlim", "System.Threading.Semaphore", "System.Threading.Mutex",
        "System.Threading.SpinLock", "System.Threading.ReaderWriterLock", "System.Threading.ReaderWriterLockSlim", "System.Threading.Thread",
        "System.Threading.ThreadPool", "System.Threading.ManualResetEventSlim", "System.Threading.Timer",
        // Clocks.
        "System.Diagnostics.Stopwatch", "System.TimeProvider",
    ];

    private static readonly string[] ForbiddenInPureMembers =
    [
        "System.Environment::get_TickCount", "System.Environment::get_TickCount64",
        "System.DateTime::get_Now", "System.DateTime::get_UtcNow", "System.DateTime::get_Today",
        "System.DateTimeOffset::get_Now", "System.DateTimeOffset::get_UtcNow",
    ];

    private static readonly Lazy<Library> Compiled = new(() => Library.Read(typeof(WebSocketConnection).Assembly.Location, SourceRoot()));

    [Fact]
    public void every_type_of_the_library_lives_in_a_file_of_its_name_in_a_layer_folder()
    {
        var library = Compiled.Value;
        Assert.True(library.Unplaced.Count == 0, "Types without a file of their own (one type per file):\n" + string.Join("\n", library.Unplaced));
        Assert.True(library.Folders.Count >= Layers.Length, "too few types were placed for the check to mean anything");
        Assert.Empty(library.Folders.Keys.Except(Layers));
    }

    [Fact]
    public void the_check_sees_what_the_code_uses_down_to_async_state_machines()
    {
        var library = Compiled.Value;
        var edges = library.References.Where(r => r.To.Folder is { } f && f != r.From.Folder).Select(r => $"{r.From.Folder} -> {r.To.Folder}").ToHashSet();
        TestContext.Current.TestOutputHelper?.WriteLine(string.Join("\n", edges.Order(StringComparer.Ordinal)));
        Assert.Superset(new HashSet<string> { "Connection -> Protocol", "Connection -> Transport", "PubSub -> Connection", "Protocol -> Compression",
            "Compression -> Handshake", "Server -> Handshake", "Client -> Connection" }, edges);
        // The compiler's state machine for ReceiveAsync's slow path is checked as part of the connection.
        Assert.Contains(library.References, r => r.From.Type.StartsWith("WebSocketConnection+<ReceiveSlowAsync>", StringComparison.Ordinal)
            && r.To.Folder == "Transport");
    }

    [Fact]
    public void each_folder_refers_only_to_itself_and_the_layers_below_it()
    {
        var violations = Violations(Compiled.Value, LayerViolation);
        Assert.True(violations.Count == 0, "References against the layer order (" + string.Join(" < ", Layers) + "):\n" + string.Join("\n", violations));
    }

    [Fact]
    public void connection_never_refers_to_pubsub()
    {
        var violations = Violations(Compiled.Value, r => r.From.Folder == "Connection" && r.To.Folder == "PubSub" ? "Connection uses PubSub" : null);
        Assert.True(violations.Count == 0, string.Join("\n", violations));
    }

    [Fact]
    public void handshake_compression_and_protocol_use_no_sockets_tasks_locks_threads_or_clocks()
    {
        var violations = Violations(Compiled.Value, r => Pure.Contains(r.From.Folder) ? ForbiddenInPure(r.To) : null);
        Assert.True(violations.Count == 0, "I/O, concurrency or a clock in a pure layer:\n" + string.Join("\n", violations));
    }

    [Fact]
    public void no_two_folders_depend_on_each_other_through_any_path()
    {
        var edges = Compiled.Value.References.Where(r => r.To.Folder is { } f && f != r.From.Folder)
            .Select(r => (r.From.Folder, To: r.To.Folder!)).Distinct().ToLookup(e => e.Folder, e => e.To);
        var cycles = new List<string>();
        foreach (string start in Layers)
        {
            // Depth-first from each folder: reaching it again is a cycle.
            var path = new Stack<string>();
            var seen = new HashSet<string>();
            bool Visit(string folder)
            {
                path.Push(folder);
                foreach (string next in edges[folder])
                {
                    if (next == start)
                    {
                        // Each cycle once, told from its lowest layer.
                        var ring = path.Reverse().ToList();
                        int lowest = ring.IndexOf(ring.MinBy(f => Array.IndexOf(Layers, f))!);
                        cycles.Add(string.Join(" -> ", ring.Skip(lowest).Concat(ring.Take(lowest)).Append(ring[lowest])));
                        return true;
                    }
                    if (seen.Add(next) && Visit(next))
                    {
                        return true;
                    }
                }
                path.Pop();
                return false;
            }
            Visit(start);
        }
        Assert.True(cycles.Count == 0, "Folders that depend on each other:\n" + string.Join("\n", cycles.Distinct()));
    }

    private static string? LayerViolation(Reference r) =>
        r.To.Folder is { } to && Array.IndexOf(Layers, to) > Array.IndexOf(Layers, r.From.Folder) ? $"{r.From.Folder} uses {to}, a higher layer" : null;

    private static string? ForbiddenInPure(Target to)
    {
        if (to.Folder is not null)
        {
            return null;
        }
        if (ForbiddenInPureNamespaces.Any(n => to.Name.StartsWith(n, StringComparison.Ordinal)) || ForbiddenInPureTypes.Contains(to.Name)
            || ForbiddenInPureMembers.Contains(to.Name))
        {
            return "forbidden in a pure layer";
        }
        return null;
    }

    private static List<string> Violations(Library library, Func<Reference, string?> rule) =>
        library.References.Select(r => (r, Why: rule(r))).Where(x => x.Why is not null)
            .Select(x => $"  {x.r.From.Folder}/{x.r.From.Type} ({x.r.Where}) -> {(x.r.To.Folder is { } f ? f + "/" : "")}{x.r.To.Name}: {x.Why}")
            .Distinct().Order(StringComparer.Ordinal).ToList();

    private static string SourceRoot()
    {
        string dir = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(dir, "Ws101.sln")))
        {
            dir = Path.GetDirectoryName(dir.TrimEnd(Path.DirectorySeparatorChar)) ?? throw new InvalidOperationException("Ws101.sln not found above the test binaries");
        }
        return Path.Combine(dir, "src", "Ws101");
    }

    /// <summary>A type of the library, in the folder of its file.</summary>
    internal sealed record Source(string Folder, string Type);

    /// <summary>What a reference points at: a type of the library (with its folder), or a type or member of another assembly.</summary>
    internal sealed record Target(string? Folder, string Name);

    internal sealed record Reference(Source From, string Where, Target To);

    /// <summary>Ws101.dll read with System.Reflection.Metadata: every type placed in its folder, and everything each refers to.</summary>
    internal sealed class Library
    {
        public List<Reference> References { get; } = [];

        public List<string> Unplaced { get; } = [];

        public Dictionary<string, int> Folders { get; } = [];

        public static Library Read(string assemblyPath, string sourceRoot)
        {
            // src/Ws101/<Folder>/[...]/<Type>[.<Part>].cs: the first folder is the layer; the file name up to its first dot is the type.
            var fileFolder = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (string file in Directory.EnumerateFiles(sourceRoot, "*.cs", SearchOption.AllDirectories))
            {
                string relative = Path.GetRelativePath(sourceRoot, file);
                if (relative.StartsWith("obj", StringComparison.Ordinal) || relative.StartsWith("bin", StringComparison.Ordinal) || !relative.Contains(Path.DirectorySeparatorChar))
                {
                    continue;
                }
                string type = Path.GetFileName(file).Split('.')[0];
                string folder = relative.Split(Path.DirectorySeparatorChar)[0];
                Assert.True(fileFolder.TryAdd(type, folder) || fileFolder[type] == folder, $"{type} has files in two folders");
            }
            var library = new Library();
            using var pe = new PEReader(File.OpenRead(assemblyPath));
            var reader = pe.GetMetadataReader();
            new Walker(reader, pe, fileFolder, library).Run();
            return library;
        }
    }

    private sealed class Walker(MetadataReader reader, PEReader pe, Dictionary<string, string> fileFolder, Library library)
        : ISignatureTypeProvider<ImmutableArray<Target>, object?>
    {
        private static readonly Dictionary<short, OperandType> Operands = typeof(OpCodes).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Select(f => (OpCode)f.GetValue(null)!).ToDictionary(o => o.Value, o => o.OperandType);

        private Source _from = new("", "");
        private string _where = "";

        public void Run()
        {
            foreach (var handle in reader.TypeDefinitions)
            {
                var definition = reader.GetTypeDefinition(handle);
                if (Place(handle) is not { } source)
                {
                    continue;
                }
                library.Folders[source.Folder] = library.Folders.GetValueOrDefault(source.Folder) + 1;
                _from = source with { Type = FullName(handle) };
                Walk(definition);
            }
        }

        /// <summary>The folder of a type of the library (a nested type is where its outermost type is); null for the compiler's own.</summary>
        private Source? Place(TypeDefinitionHandle handle)
        {
            var outer = handle;
            while (reader.GetTypeDefinition(outer).GetDeclaringType() is { IsNil: false } declaring)
            {
                outer = declaring;
            }
            var definition = reader.GetTypeDefinition(outer);
            string ns = reader.GetString(definition.Namespace);
            string name = reader.GetString(definition.Name);
            if (!(ns == "Ws101" || ns.StartsWith("Ws101.", StringComparison.Ordinal)) || name.StartsWith('<'))
            {
                // <Module>, <PrivateImplementationDetails>, and attributes the compiler embeds (System.Runtime.CompilerServices.*).
                return null;
            }
            string simple = name.Split('`')[0];
            if (!fileFolder.TryGetValue(simple, out string? folder))
            {
                string missing = $"{ns}.{name}: no file {simple}.cs under src/Ws101/<Folder>/";
                if (!library.Unplaced.Contains(missing))
                {
                    library.Unplaced.Add(missing);
                }
                return null;
            }
            return new Source(folder, simple);
        }

        private void Walk(TypeDefinition definition)
        {
            _where = "base type and interfaces";
            if (!definition.BaseType.IsNil)
            {
                Add(Types(definition.BaseType));
            }
            foreach (var i in definition.GetInterfaceImplementations())
            {
                Add(Types(reader.GetInterfaceImplementation(i).Interface));
            }
            Attributes(definition.GetCustomAttributes());
            foreach (var p in definition.GetGenericParameters())
            {
                foreach (var c in reader.GetGenericParameter(p).GetConstraints())
                {
                    Add(Types(reader.GetGenericParameterConstraint(c).Type));
                }
            }
            foreach (var f in definition.GetFields())
            {
                var field = reader.GetFieldDefinition(f);
                _where = "field " + reader.GetString(field.Name);
                Add(field.DecodeSignature(this, null));
                Attributes(field.GetCustomAttributes());
            }
            foreach (var p in definition.GetProperties())
            {
                var property = reader.GetPropertyDefinition(p);
                _where = "property " + reader.GetString(property.Name);
                Signature(property.DecodeSignature(this, null));
                Attributes(property.GetCustomAttributes());
            }
            foreach (var m in definition.GetMethods())
            {
                var method = reader.GetMethodDefinition(m);
                _where = "method " + reader.GetString(method.Name);
                Signature(method.DecodeSignature(this, null));
                Attributes(method.GetCustomAttributes());
                if (method.RelativeVirtualAddress != 0)
                {
                    Body(pe.GetMethodBody(method.RelativeVirtualAddress));
                }
            }
        }

        private void Body(MethodBodyBlock body)
        {
            if (!body.LocalSignature.IsNil)
            {
                Add(reader.GetStandaloneSignature(body.LocalSignature).DecodeLocalSignature(this, null));
            }
            var il = body.GetILReader();
            while (il.RemainingBytes > 0)
            {
                short code = il.ReadByte();
                if (code == 0xFE)
                {
                    code = unchecked((short)(0xFE00 | il.ReadByte()));
                }
                switch (Operands[code])
                {
                    case OperandType.InlineNone:
                        break;
                    case OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar:
                        il.ReadByte();
                        break;
                    case OperandType.InlineVar:
                        il.ReadInt16();
                        break;
                    case OperandType.InlineI8 or OperandType.InlineR:
                        il.ReadInt64();
                        break;
                    case OperandType.InlineSwitch:
                        int targets = il.ReadInt32();
                        for (int t = 0; t < targets; t++)
                        {
                            il.ReadInt32();
                        }
                        break;
                    case OperandType.InlineMethod or OperandType.InlineField or OperandType.InlineType or OperandType.InlineTok or OperandType.InlineSig:
                        Add(Token(MetadataTokens.EntityHandle(il.ReadInt32())));
                        break;
                    default:
                        il.ReadInt32();
                        break;
                }
            }
        }

        private ImmutableArray<Target> Token(EntityHandle handle)
        {
            switch (handle.Kind)
            {
                case HandleKind.TypeDefinition or HandleKind.TypeReference or HandleKind.TypeSpecification:
                    return Types(handle);
                case HandleKind.MethodDefinition:
                {
                    var method = reader.GetMethodDefinition((MethodDefinitionHandle)handle);
                    var signature = method.DecodeSignature(this, null);
                    return [.. Types(method.GetDeclaringType()), .. signature.ReturnType, .. signature.ParameterTypes.SelectMany(p => p)];
                }
                case HandleKind.FieldDefinition:
                {
                    var field = reader.GetFieldDefinition((FieldDefinitionHandle)handle);
                    return [.. Types(field.GetDeclaringType()), .. field.DecodeSignature(this, null)];
                }
                case HandleKind.MemberReference:
                {
                    var member = reader.GetMemberReference((MemberReferenceHandle)handle);
                    var parent = member.Parent.Kind is HandleKind.TypeReference or HandleKind.TypeDefinition or HandleKind.TypeSpecification
                        ? Types(member.Parent) : member.Parent.Kind == HandleKind.MethodDefinition ? Token(member.Parent) : [];
                    var named = parent.Length > 0 && parent[0].Folder is null ? [new Target(null, parent[0].Name + "::" + reader.GetString(member.Name))] : ImmutableArray<Target>.Empty;
                    var signature = member.GetKind() == MemberReferenceKind.Method
                        ? [.. member.DecodeMethodSignature(this, null) is var m ? m.ReturnType.AddRange(m.ParameterTypes.SelectMany(p => p)) : default]
                        : member.DecodeFieldSignature(this, null);
                    return [.. parent, .. named, .. signature];
                }
                case HandleKind.MethodSpecification:
                {
                    var spec = reader.GetMethodSpecification((MethodSpecificationHandle)handle);
                    return [.. Token(spec.Method), .. spec.DecodeSignature(this, null).SelectMany(t => t)];
                }
                case HandleKind.StandaloneSignature:
                {
                    var signature = reader.GetStandaloneSignature((StandaloneSignatureHandle)handle);
                    return signature.GetKind() == StandaloneSignatureKind.Method
                        ? [.. signature.DecodeMethodSignature(this, null) is var m ? m.ReturnType.AddRange(m.ParameterTypes.SelectMany(p => p)) : default]
                        : signature.DecodeLocalSignature(this, null).SelectMany(t => t).ToImmutableArray();
                }
                default:
                    return [];
            }
        }

        private ImmutableArray<Target> Types(EntityHandle handle) => handle.Kind switch
        {
            HandleKind.TypeDefinition => GetTypeFromDefinition(reader, (TypeDefinitionHandle)handle, 0),
            HandleKind.TypeReference => GetTypeFromReference(reader, (TypeReferenceHandle)handle, 0),
            HandleKind.TypeSpecification => reader.GetTypeSpecification((TypeSpecificationHandle)handle).DecodeSignature(this, null),
            _ => [],
        };

        private void Attributes(CustomAttributeHandleCollection attributes)
        {
            foreach (var a in attributes)
            {
                Add(Token(reader.GetCustomAttribute(a).Constructor));
            }
        }

        private void Signature(MethodSignature<ImmutableArray<Target>> signature)
        {
            Add(signature.ReturnType);
            foreach (var p in signature.ParameterTypes)
            {
                Add(p);
            }
        }

        private void Add(ImmutableArray<Target> targets)
        {
            foreach (var t in targets)
            {
                library.References.Add(new Reference(_from, _where, t));
            }
        }

        private void Add(IEnumerable<ImmutableArray<Target>> targets)
        {
            foreach (var t in targets)
            {
                Add(t);
            }
        }

        private string FullName(TypeDefinitionHandle handle)
        {
            var definition = reader.GetTypeDefinition(handle);
            var declaring = definition.GetDeclaringType();
            return declaring.IsNil
                ? reader.GetString(definition.Name)
                : FullName(declaring) + "+" + reader.GetString(definition.Name);
        }

        private string ReferenceName(TypeReferenceHandle handle)
        {
            var reference = reader.GetTypeReference(handle);
            string name = reader.GetString(reference.Name).Split('`')[0];
            return reference.ResolutionScope.Kind == HandleKind.TypeReference
                ? ReferenceName((TypeReferenceHandle)reference.ResolutionScope) + "+" + name
                : reader.GetString(reference.Namespace) + "." + name;
        }

        public ImmutableArray<Target> GetTypeFromDefinition(MetadataReader r, TypeDefinitionHandle handle, byte rawTypeKind) =>
            Place(handle) is { } source ? [new Target(source.Folder, FullName(handle))] : [];

        public ImmutableArray<Target> GetTypeFromReference(MetadataReader r, TypeReferenceHandle handle, byte rawTypeKind) =>
            [new Target(null, ReferenceName(handle))];

        public ImmutableArray<Target> GetTypeFromSpecification(MetadataReader r, object? context, TypeSpecificationHandle handle, byte rawTypeKind) =>
            r.GetTypeSpecification(handle).DecodeSignature(this, context);

        public ImmutableArray<Target> GetPrimitiveType(PrimitiveTypeCode typeCode) => [];

        public ImmutableArray<Target> GetSZArrayType(ImmutableArray<Target> elementType) => elementType;

        public ImmutableArray<Target> GetArrayType(ImmutableArray<Target> elementType, ArrayShape shape) => elementType;

        public ImmutableArray<Target> GetByReferenceType(ImmutableArray<Target> elementType) => elementType;

        public ImmutableArray<Target> GetPointerType(ImmutableArray<Target> elementType) => elementType;

        public ImmutableArray<Target> GetPinnedType(ImmutableArray<Target> elementType) => elementType;

        public ImmutableArray<Target> GetModifiedType(ImmutableArray<Target> modifier, ImmutableArray<Target> unmodifiedType, bool isRequired) =>
            unmodifiedType.AddRange(modifier);

        public ImmutableArray<Target> GetGenericInstantiation(ImmutableArray<Target> genericType, ImmutableArray<ImmutableArray<Target>> typeArguments) =>
            genericType.AddRange(typeArguments.SelectMany(t => t));

        public ImmutableArray<Target> GetGenericMethodParameter(object? context, int index) => [];

        public ImmutableArray<Target> GetGenericTypeParameter(object? context, int index) => [];

        public ImmutableArray<Target> GetFunctionPointerType(MethodSignature<ImmutableArray<Target>> signature) =>
            signature.ReturnType.AddRange(signature.ParameterTypes.SelectMany(p => p));
    }
}
