namespace Earnest;

/// <summary>Why an operation did not happen. Each maps to one HTTP status and one CLI message.</summary>
public enum Failure
{
    /// <summary>Input is malformed (400).</summary>
    Malformed,
    /// <summary>Not signed in, or the sign-in failed (401).</summary>
    Unauthorized,
    /// <summary>Signed in, but not allowed (403).</summary>
    Forbidden,
    /// <summary>No such thing, or it is not the caller's (404).</summary>
    NotFound,
    /// <summary>Conflicts with the current state (409).</summary>
    Conflict,
    /// <summary>Well-formed but invalid (422).</summary>
    Invalid,
    /// <summary>Too many requests or open leases (429).</summary>
    Limited,
}

/// <summary>
/// The result of an operation: a value, or a failure with a human-readable detail and, for validation, the messages
/// per field. An operation that fails has changed nothing.
/// </summary>
public sealed record Outcome<T>(T? Value, Failure? Error, string Detail, IReadOnlyDictionary<string, string[]>? Errors)
{
    /// <summary>True when the operation happened.</summary>
    public bool IsOk => Error is null;

    /// <summary>A successful outcome.</summary>
    public static implicit operator Outcome<T>(T value) => new(value, null, "", null);

    /// <summary>The outcome of <paramref name="map"/> over the value, or this failure unchanged.</summary>
    public Outcome<TOut> Map<TOut>(Func<T, TOut> map)
    {
        ArgumentNullException.ThrowIfNull(map);
        return IsOk ? map(Value!) : new Outcome<TOut>(default, Error, Detail, Errors);
    }

    /// <summary>A failed outcome.</summary>
    public static implicit operator Outcome<T>(Problem problem) => new(default, problem.Error, problem.Detail,
        problem.Errors);
}

/// <summary>A failure, convertible to an <see cref="Outcome{T}"/> of any type.</summary>
public sealed record Problem(Failure Error, string Detail, IReadOnlyDictionary<string, string[]>? Errors = null)
{
    /// <summary>A validation failure that names the fields at fault.</summary>
    public static Problem Invalid(Validation validation) =>
        new(Failure.Invalid, validation.Summary, validation.Errors);

    /// <summary>A failure of one kind with a detail.</summary>
    public static Problem Of(Failure error, string detail) => new(error, detail);
}

/// <summary>Collects validation messages per field.</summary>
public sealed class Validation
{
    private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);

    /// <summary>True when no message was added.</summary>
    public bool IsValid => _errors.Count == 0;

    /// <summary>Adds a message for a field unless <paramref name="ok"/> is true.</summary>
    public Validation Require(bool ok, string field, string message)
    {
        if (!ok)
        {
            if (!_errors.TryGetValue(field, out var list))
            {
                _errors[field] = list = [];
            }
            list.Add(message);
        }
        return this;
    }

    /// <summary>The messages per field.</summary>
    public IReadOnlyDictionary<string, string[]> Errors => _errors.ToDictionary(e => e.Key, e => e.Value.ToArray());

    /// <summary>One line naming every message.</summary>
    public string Summary => string.Join(" ", _errors.SelectMany(e => e.Value.Select(m => $"{e.Key}: {m}")));
}
