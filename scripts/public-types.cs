// Lists the public types of an assembly (those visible outside it: public, or nested public in a public type),
// one "Namespace.Type" per line, then the count. Reads metadata only, so the assembly's dependencies need not load.
// Run: dotnet run scripts/public-types.cs -- src/Ws101/bin/Release/net10.0/Ws101.dll
using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

if (args.Length != 1)
{
    Console.Error.WriteLine("usage: dotnet run scripts/public-types.cs -- PATH/TO/ASSEMBLY.dll");
    return 2;
}
using var stream = File.OpenRead(args[0]);
using var pe = new PEReader(stream);
var md = pe.GetMetadataReader();
var names = new List<string>();
foreach (var handle in md.TypeDefinitions)
{
    if (IsVisible(md, handle)) names.Add(FullName(md, handle));
}
names.Sort(StringComparer.Ordinal);
foreach (var name in names) Console.WriteLine(name);
Console.WriteLine($"{names.Count} public types");
return 0;

static bool IsVisible(MetadataReader md, TypeDefinitionHandle handle)
{
    var type = md.GetTypeDefinition(handle);
    var visibility = type.Attributes & TypeAttributes.VisibilityMask;
    if (visibility == TypeAttributes.Public) return true;
    if (visibility is TypeAttributes.NestedPublic or TypeAttributes.NestedFamily or TypeAttributes.NestedFamORAssem)
        return IsVisible(md, type.GetDeclaringType());
    return false;
}

static string FullName(MetadataReader md, TypeDefinitionHandle handle)
{
    var type = md.GetTypeDefinition(handle);
    var name = md.GetString(type.Name);
    if (type.GetDeclaringType() is { IsNil: false } outer) return FullName(md, outer) + "+" + name;
    var ns = md.GetString(type.Namespace);
    return ns.Length == 0 ? name : ns + "." + name;
}
