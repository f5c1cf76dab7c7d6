namespace System.Runtime.CompilerServices;

// netstandard2.0 lacks this marker type, which C# needs for init-only setters.
internal static class IsExternalInit { }
