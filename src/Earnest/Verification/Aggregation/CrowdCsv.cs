using System.Globalization;
using System.Text;

namespace Earnest.Verification.Aggregation;

/// <summary>A crowd CSV that cannot be read, with the file and line at fault.</summary>
public sealed class CrowdCsvException(string message) : Exception(message);

/// <summary>A dataset: the answers and, when given, the truth per task.</summary>
/// <param name="Matrix">The answers.</param>
/// <param name="Truth">Per task index: the true label index (categorical), or -1; tasks only in the truth file are added to the matrix.</param>
/// <param name="TruthValue">Per task index: the true value (numeric), or NaN.</param>
public sealed record CrowdData(AnswerMatrix Matrix, int[]? Truth, double[]? TruthValue);

/// <summary>
/// Reads the datasets' layout: <c>answers.csv</c> with header <c>task,worker,label</c> (one row per answer, in
/// arrival order) and <c>truth.csv</c> with header <c>task,label</c>. RFC 4180 fields (quotes, doubled quotes),
/// read line by line; every error names the file and line.
/// </summary>
public static class CrowdCsv
{
    /// <summary>Largest file read, so a mistaken path cannot exhaust memory.</summary>
    public const long MaxFileBytes = 2L * 1024 * 1024 * 1024;

    /// <summary>Loads answers (and truth, when a path is given).</summary>
    /// <param name="answersPath">The answers file.</param>
    /// <param name="truthPath">The truth file, or null.</param>
    /// <param name="numeric">Read labels as numbers.</param>
    /// <param name="labels">When given, the only labels allowed, in this order.</param>
    public static CrowdData Load(string answersPath, string? truthPath, bool numeric, IReadOnlyList<string>? labels = null)
    {
        var builder = numeric ? AnswerMatrixBuilder.Numeric() : new AnswerMatrixBuilder(labels);
        foreach (var (line, fields) in Rows(answersPath, ["task", "worker", "label"]))
        {
            if (numeric)
            {
                builder.Add(fields[0], fields[1], Number(answersPath, line, fields[2]));
            }
            else if (!builder.IsKnownLabel(fields[2]))
            {
                throw new CrowdCsvException($"{answersPath}:{line}: label '{fields[2]}' is not one of {string.Join(", ", labels!)}");
            }
            else
            {
                builder.Add(fields[0], fields[1], fields[2]);
            }
        }
        var truthRows = truthPath is null ? [] : Rows(truthPath, ["task", "label"]).ToList();
        foreach (var (_, fields) in truthRows)
        {
            builder.AddTask(fields[0]);
        }
        var matrix = builder.Build();
        if (truthPath is null)
        {
            return new CrowdData(matrix, null, null);
        }
        var index = matrix.TaskIds.Select((id, i) => (id, i)).ToDictionary(x => x.id, x => x.i, StringComparer.Ordinal);
        if (numeric)
        {
            var values = Enumerable.Repeat(double.NaN, matrix.TaskCount).ToArray();
            foreach (var (line, fields) in truthRows)
            {
                values[index[fields[0]]] = Number(truthPath, line, fields[1]);
            }
            return new CrowdData(matrix, null, values);
        }
        var truth = Enumerable.Repeat(-1, matrix.TaskCount).ToArray();
        foreach (var (line, fields) in truthRows)
        {
            var label = Array.IndexOf(matrix.Labels, fields[1]);
            if (label < 0)
            {
                throw new CrowdCsvException($"{truthPath}:{line}: label '{fields[1]}' never appears in the answers");
            }
            truth[index[fields[0]]] = label;
        }
        return new CrowdData(matrix, truth, null);
    }

    /// <summary>True when every label of the answers file parses as a number and there are more than ten distinct ones.</summary>
    public static bool LooksNumeric(string answersPath)
    {
        var distinct = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (_, fields) in Rows(answersPath, ["task", "worker", "label"]))
        {
            if (!double.TryParse(fields[2], NumberStyles.Float, CultureInfo.InvariantCulture, out _))
            {
                return false;
            }
            distinct.Add(fields[2]);
        }
        return distinct.Count > 10;
    }

    private static double Number(string path, int line, string text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v)
            ? v
            : throw new CrowdCsvException($"{path}:{line}: '{text}' is not a number");

    /// <summary>The data rows of a CSV file with the expected header, each with its line number.</summary>
    public static IEnumerable<(int Line, string[] Fields)> Rows(string path, string[] header)
    {
        if (!File.Exists(path))
        {
            throw new CrowdCsvException($"{path}: no such file");
        }
        if (new FileInfo(path).Length > MaxFileBytes)
        {
            throw new CrowdCsvException($"{path}: larger than {MaxFileBytes / (1024 * 1024)} MiB");
        }
        return Read(path, header);
    }

    private static IEnumerable<(int Line, string[] Fields)> Read(string path, string[] header)
    {
        using var reader = new StreamReader(path, Encoding.UTF8);
        var line = 0;
        var first = true;
        while (reader.ReadLine() is { } text)
        {
            line++;
            if (first)
            {
                first = false;
                var names = Split(text.TrimStart('\uFEFF'), path, line);
                if (!names.Select(n => n.Trim()).SequenceEqual(header, StringComparer.OrdinalIgnoreCase))
                {
                    throw new CrowdCsvException($"{path}:{line}: the header must be '{string.Join(",", header)}', not '{text}'");
                }
                continue;
            }
            if (text.Length == 0)
            {
                continue;
            }
            var fields = Split(text, path, line);
            if (fields.Length != header.Length)
            {
                throw new CrowdCsvException($"{path}:{line}: {fields.Length} fields, expected {header.Length} ({string.Join(",", header)})");
            }
            if (fields.Any(f => f.Length == 0))
            {
                throw new CrowdCsvException($"{path}:{line}: an empty field");
            }
            yield return (line, fields);
        }
        if (first)
        {
            throw new CrowdCsvException($"{path}: the file is empty (expected the header '{string.Join(",", header)}')");
        }
    }

    /// <summary>Splits one RFC 4180 line (fields may be quoted; a quote inside is doubled).</summary>
    private static string[] Split(string text, string path, int line)
    {
        var fields = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    field.Append(c);
                }
            }
            else if (c == '"' && field.Length == 0)
            {
                quoted = true;
            }
            else if (c == ',')
            {
                fields.Add(field.ToString());
                field.Clear();
            }
            else if (c != '\r')
            {
                field.Append(c);
            }
        }
        if (quoted)
        {
            throw new CrowdCsvException($"{path}:{line}: a quoted field is not closed (fields may not span lines)");
        }
        fields.Add(field.ToString());
        return fields.ToArray();
    }
}
