using System.Security.Cryptography;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace POSLayerFreeze.ProtocolSources;

/// <summary>
/// The part of a C# source that can decide a number, as text: its syntax tree's tokens in order, one per line.
/// Left out, because no run computes anything different when they change:
/// <list type="bullet">
/// <item>trivia: comments (doc comments too), whitespace, line breaks, <c>#region</c>, <c>#pragma</c> and
/// <c>#nullable</c> lines (the code compiled is the same);</item>
/// <item>messages: every string literal and interpolated string (holes included: they only format the text) that
/// can only end up in an exception — one inside a <c>throw</c>; one among the arguments of an exception's
/// constructor (<c>new XException(…)</c>, a primary-constructor base <c>: Exception(…)</c>, or <c>: base(…)</c> in
/// a class deriving from an <c>…Exception</c>); one among the arguments of a call to a method of the same file that
/// never returns (marked <c>[DoesNotReturn]</c>, or whose body is a single <c>throw</c>). Each becomes
/// <see cref="MessagePlaceholder"/>, so adding or removing a message still counts.</item>
/// </list>
/// Every other string counts, whatever it looks like: a JSON key (<c>["accuracy"]</c>), a checkpoint name
/// (<c>[ComponentName(Name = "q_lin")]</c>), a tag, a separator, a profile or freeze-plan name, a string compared in
/// the condition that decides whether to throw. Conditional-compilation lines (<c>#if</c> …) and the text they
/// disable count too. The rule errs towards counting: a log line outside an exception is hashed.
/// </summary>
public static class ProtocolFingerprint
{
    /// <summary>What a message is hashed as.</summary>
    public const string MessagePlaceholder = "<message>";

    // Preview: whatever the SDK compiles, the guard parses; documentation comments stay plain comments.
    private static readonly CSharpParseOptions Options = new(LanguageVersion.Preview, DocumentationMode.None);

    /// <summary>sha256 (lower-case hex) of <see cref="Normalize"/>.</summary>
    public static string Sha256(string source, string path = "") =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Normalize(source, path))));

    /// <summary>The tokens that count, one per line. A source that does not parse is refused, naming file and line:
    /// a tree with errors would hash whatever the parser guessed.</summary>
    public static string Normalize(string source, string path = "")
    {
        var tree = CSharpSyntaxTree.ParseText(source, Options, path);
        if (tree.GetDiagnostics().FirstOrDefault(d => d.Severity == DiagnosticSeverity.Error) is { } error)
        {
            var line = error.Location.GetLineSpan().StartLinePosition.Line + 1;
            throw new InvalidDataException($"{path}:{line}: {error.GetMessage(System.Globalization.CultureInfo.InvariantCulture)} (the protocol guard hashes syntax trees)");
        }
        var root = tree.GetRoot();
        var messages = Messages(root).ToDictionary(m => m.SpanStart);
        var text = new StringBuilder();
        var skipUntil = -1;
        foreach (var token in root.DescendantTokens(descendIntoTrivia: true))
        {
            foreach (var trivia in token.LeadingTrivia.Where(t => t.IsKind(SyntaxKind.DisabledTextTrivia)))
                text.Append(string.Join(' ', trivia.ToString().Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))).Append('\n');
            if (token.SpanStart < skipUntil || token.Text.Length == 0 || InIgnoredDirective(token)) continue;
            if (messages.TryGetValue(token.SpanStart, out var message))
            {
                text.Append(MessagePlaceholder).Append('\n');
                skipUntil = message.Span.End;
                continue;
            }
            text.Append(token.Text).Append('\n');
        }
        return text.ToString();
    }

    private static bool InIgnoredDirective(SyntaxToken token) =>
        token.Parent?.FirstAncestorOrSelf<DirectiveTriviaSyntax>() is { } directive
        && (directive is RegionDirectiveTriviaSyntax or EndRegionDirectiveTriviaSyntax or PragmaWarningDirectiveTriviaSyntax
            or PragmaChecksumDirectiveTriviaSyntax or NullableDirectiveTriviaSyntax);

    /// <summary>The outermost string expressions that are messages (see the class summary).</summary>
    private static IEnumerable<ExpressionSyntax> Messages(SyntaxNode root)
    {
        var neverReturn = NeverReturningMethods(root);
        return root.DescendantNodes(n => n is not InterpolatedStringExpressionSyntax || n == root)
            .OfType<ExpressionSyntax>()
            .Where(e => e is InterpolatedStringExpressionSyntax
                        || e.IsKind(SyntaxKind.StringLiteralExpression) || e.IsKind(SyntaxKind.Utf8StringLiteralExpression))
            .Where(e => IsMessage(e, neverReturn));
    }

    private static bool IsMessage(ExpressionSyntax text, HashSet<string> neverReturn)
    {
        foreach (var node in text.Ancestors())
        {
            switch (node)
            {
                case ThrowStatementSyntax or ThrowExpressionSyntax:
                    return true;
                case ArgumentListSyntax { Parent: ObjectCreationExpressionSyntax creation } when IsExceptionType(creation.Type):
                    return true;
                case ArgumentListSyntax { Parent: PrimaryConstructorBaseTypeSyntax baseType } when IsExceptionType(baseType.Type):
                    return true;
                case ArgumentListSyntax { Parent: ConstructorInitializerSyntax initializer }
                    when initializer.FirstAncestorOrSelf<TypeDeclarationSyntax>()?.BaseList?.Types.Any(t => IsExceptionType(t.Type)) == true:
                    return true;
                case ArgumentListSyntax { Parent: InvocationExpressionSyntax call } when neverReturn.Contains(CalledName(call.Expression)):
                    return true;
                case MemberDeclarationSyntax:
                    return false;
            }
        }
        return false;
    }

    private static bool IsExceptionType(TypeSyntax type) => RightmostName(type).EndsWith("Exception", StringComparison.Ordinal);

    private static string RightmostName(TypeSyntax type) => type switch
    {
        QualifiedNameSyntax q => q.Right.Identifier.ValueText,
        AliasQualifiedNameSyntax a => a.Name.Identifier.ValueText,
        SimpleNameSyntax s => s.Identifier.ValueText,
        _ => "",
    };

    private static string CalledName(ExpressionSyntax callee) => callee switch
    {
        MemberAccessExpressionSyntax m => m.Name.Identifier.ValueText,
        MemberBindingExpressionSyntax b => b.Name.Identifier.ValueText,
        SimpleNameSyntax s => s.Identifier.ValueText,
        _ => "",
    };

    /// <summary>Names of this file's methods and local functions that never return; a name counts only when every
    /// declaration of it does (an overload that returns would make its calls' strings count).</summary>
    private static HashSet<string> NeverReturningMethods(SyntaxNode root)
    {
        var declarations = root.DescendantNodes()
            .Select(n => n switch
            {
                MethodDeclarationSyntax m => (Name: m.Identifier.ValueText, m.AttributeLists, m.Body, m.ExpressionBody),
                LocalFunctionStatementSyntax f => (Name: f.Identifier.ValueText, f.AttributeLists, f.Body, f.ExpressionBody),
                _ => default,
            })
            .Where(d => d.Name is not null);
        return declarations.GroupBy(d => d.Name)
            .Where(g => g.All(d => NeverReturns(d.AttributeLists, d.Body, d.ExpressionBody)))
            .Select(g => g.Key).ToHashSet(StringComparer.Ordinal);
    }

    private static bool NeverReturns(SyntaxList<AttributeListSyntax> attributes, BlockSyntax? body, ArrowExpressionClauseSyntax? arrow) =>
        attributes.SelectMany(l => l.Attributes).Any(a => RightmostName(a.Name) is "DoesNotReturn" or "DoesNotReturnAttribute")
        || arrow?.Expression is ThrowExpressionSyntax
        || body?.Statements is [ThrowStatementSyntax];
}
