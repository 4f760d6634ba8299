using Dapper;

namespace Earnest.Storage;

/// <summary>
/// An <c>IN</c> list both stores accept: Dapper expands a list parameter into <c>(@p1, @p2, …)</c> on SQLite but
/// passes it to Npgsql as one array (which <c>IN</c> does not take), so the list is spelt out here.
/// </summary>
internal static class SqlList
{
    /// <summary>
    /// Adds the values as parameters <c>@name0</c>, <c>@name1</c>, … and answers <c>(@name0, @name1, …)</c>;
    /// <c>(NULL)</c>, which matches nothing, for no values.
    /// </summary>
    public static string In(DynamicParameters parameters, string name, IReadOnlyList<string> values)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count == 0)
        {
            return "(NULL)";
        }
        for (var i = 0; i < values.Count; i++)
        {
            parameters.Add(name + i, values[i]);
        }
        return "(" + string.Join(", ", Enumerable.Range(0, values.Count).Select(i => "@" + name + i)) + ")";
    }
}
