namespace Ws101.Interop.Harness;

/// <summary>A test's own folder under the system's temp folder, deleted with what it holds when the test is done.</summary>
public sealed class TempFolder : IDisposable
{
    private readonly DirectoryInfo _folder;

    /// <summary>Creates a fresh folder whose name starts with <paramref name="prefix"/> (ws101-NAME-, say).</summary>
    public TempFolder(string prefix) => _folder = Directory.CreateTempSubdirectory(prefix);

    /// <summary>The folder's full path.</summary>
    public string FullName => _folder.FullName;

    /// <summary>The full path of <paramref name="name"/> inside the folder.</summary>
    public string PathOf(string name) => Path.Combine(_folder.FullName, name);

    /// <summary>Deletes the folder and what it holds (one that cannot be deleted is left behind, harmlessly).</summary>
    public void Dispose()
    {
        try
        {
            _folder.Delete(recursive: true);
        }
        catch (IOException)
        {
            // A file still open in the folder: a leftover temp folder is harmless.
        }
    }
}
