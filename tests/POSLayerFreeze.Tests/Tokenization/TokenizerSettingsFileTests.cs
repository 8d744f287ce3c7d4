using POSLayerFreeze.Tokenization;

namespace POSLayerFreeze.Tests.Tokenization;

/// <summary>
/// Every id-changing key of tokenizer_config.json is read (each one alone, so a key that is dropped shows), the
/// settings record says exactly when it is Hugging Face's default, and each refusal is one line naming file and key.
/// </summary>
public sealed class TokenizerSettingsFileTests
{
    private string _dir = "";

    [SetUp]
    public void CreateDir() => _dir = Directory.CreateTempSubdirectory("poslf-tokcfg-").FullName;

    [TearDown]
    public void DeleteDir() => Directory.Delete(_dir, recursive: true);

    private BertTokenizerSettings Read(string json)
    {
        var path = Path.Combine(_dir, "tokenizer_config.json");
        File.WriteAllText(path, json);
        return BertTokenizerSettings.FromFile(path);
    }

    private string Refusal(string json)
    {
        var path = Path.Combine(_dir, "tokenizer_config.json");
        File.WriteAllText(path, json);
        var error = Assert.Catch(() => BertTokenizerSettings.FromFile(path))!;
        Assert.That(error, Is.TypeOf<InvalidDataException>(), "a user error, not an internal one");
        return error.Message.Replace(path, "CFG");
    }

    [Test]
    public void EachKeyIsReadOnItsOwn()
    {
        Assert.That(Read("""{"do_lower_case": true}""").DoLowerCase, Is.True);
        Assert.That(Read("""{"do_lower_case": false}""").DoLowerCase, Is.False);
        Assert.That(Read("""{"strip_accents": true, "do_lower_case": false}""").StripsAccents, Is.True);
        Assert.That(Read("""{"strip_accents": false}""").StripAccents, Is.False);
        Assert.That(Read("""{"strip_accents": null}""").StripAccents, Is.Null, "null means: follow do_lower_case");
        Assert.That(Read("""{"tokenize_chinese_chars": false}""").TokenizeChineseChars, Is.False);
        Assert.That(Read("""{"never_split": ["a", "b"]}""").NeverSplit, Is.EqualTo(new[] { "a", "b" }));
        Assert.That(Read("""{"unk_token": "<unk>"}""").UnkToken, Is.EqualTo("<unk>"));
        Assert.That(Read("""{"sep_token": "<sep>"}""").SepToken, Is.EqualTo("<sep>"));
        Assert.That(Read("""{"pad_token": "<pad>"}""").PadToken, Is.EqualTo("<pad>"));
        Assert.That(Read("""{"cls_token": {"content": "<cls>", "lstrip": false}}""").ClsToken, Is.EqualTo("<cls>"));
        Assert.That(Read("""{"mask_token": "<mask>"}""").MaskToken, Is.EqualTo("<mask>"));
        Assert.That(Read("""{"additional_special_tokens": ["<x>", {"content": "<y>"}]}""").AdditionalSpecialTokens,
            Is.EqualTo(new[] { "<x>", "<y>" }));
        Assert.That(Read("""{"tokenizer_class": "DistilBertTokenizerFast", "do_basic_tokenize": true}""").IsDefault, Is.True);
    }

    [Test]
    public void IsDefaultOnlyForHuggingFacesUncasedDefaults()
    {
        var uncased = BertTokenizerSettings.Uncased;
        Assert.That(uncased.IsDefault, Is.True);
        foreach (var changed in new[]
                 {
                     uncased with { DoLowerCase = false }, uncased with { StripAccents = true }, uncased with { TokenizeChineseChars = false },
                     uncased with { NeverSplit = ["x"] }, uncased with { AdditionalSpecialTokens = ["<x>"] }, uncased with { UnkToken = "<u>" },
                     uncased with { SepToken = "<s>" }, uncased with { PadToken = "<p>" }, uncased with { ClsToken = "<c>" },
                     uncased with { MaskToken = "<m>" },
                 })
        {
            Assert.That(changed.IsDefault, Is.False, changed.ToJson().ToJsonString());
        }
        Assert.That(BertTokenizerSettings.Cased.DoLowerCase, Is.False);
        Assert.That((uncased.StripsAccents, BertTokenizerSettings.Cased.StripsAccents, (uncased with { StripAccents = false }).StripsAccents),
            Is.EqualTo((true, false, false)));
    }

    [Test]
    public void SpecialTokensAreTheFiveThenTheAdditionalOnesOnce()
    {
        var settings = BertTokenizerSettings.Uncased with { AdditionalSpecialTokens = ["<x>", "[SEP]", "<x>"] };
        Assert.That(settings.AllSpecialTokens, Is.EqualTo(new[] { "[UNK]", "[SEP]", "[PAD]", "[CLS]", "[MASK]", "<x>" }));
    }

    [Test]
    public void SettingsJsonNamesEveryField()
    {
        var settings = BertTokenizerSettings.Cased with { StripAccents = true, NeverSplit = ["n"], AdditionalSpecialTokens = ["<a>"] };
        Assert.That(settings.ToJson().ToJsonString(), Is.EqualTo(
            "{\"do_lower_case\":false,\"strip_accents\":true,\"tokenize_chinese_chars\":true,\"never_split\":[\"n\"]," +
            "\"unk_token\":\"[UNK]\",\"sep_token\":\"[SEP]\",\"pad_token\":\"[PAD]\",\"cls_token\":\"[CLS]\",\"mask_token\":\"[MASK]\"," +
            "\"additional_special_tokens\":[\"\\u003Ca\\u003E\"]}"));
        Assert.That(BertTokenizerSettings.Uncased.ToJson()["strip_accents"], Is.Null);
        Assert.That(BertTokenizerSettings.ImplementedClasses,
            Is.EqualTo(new[] { "BertTokenizer", "BertTokenizerFast", "DistilBertTokenizer", "DistilBertTokenizerFast" }));
    }

    [Test]
    public void RefusalsAreOneLineNamingFileKeyAndValue()
    {
        Assert.That(Refusal("""{"tokenizer_class": "RobertaTokenizer"}"""), Is.EqualTo(
            "CFG: tokenizer_class 'RobertaTokenizer' is not implemented (only BERT WordPiece: BertTokenizer, BertTokenizerFast, DistilBertTokenizer, DistilBertTokenizerFast)"));
        Assert.That(Refusal("""{"tokenizer_class": 3}"""), Is.EqualTo("CFG: tokenizer_class must be a string, found 3"));
        Assert.That(Refusal("""{"do_basic_tokenize": false}"""), Is.EqualTo(
            "CFG: do_basic_tokenize false is not implemented (BERT's basic tokenization always runs here)"));
        Assert.That(Refusal("""{"do_basic_tokenize": 0}"""), Is.EqualTo("CFG: do_basic_tokenize must be true or false, found 0"));
        Assert.That(Refusal("""{"strip_accents": "no"}"""), Is.EqualTo("CFG: strip_accents must be true or false, found \"no\""));
        Assert.That(Refusal("""{"tokenize_chinese_chars": 1}"""), Is.EqualTo("CFG: tokenize_chinese_chars must be true or false, found 1"));
        Assert.That(Refusal("""{"never_split": [null]}"""), Is.EqualTo("CFG: never_split[0] is null"));
        Assert.That(Refusal("""{"additional_special_tokens": ["<a>", ""]}"""), Is.EqualTo(
            "CFG: additional_special_tokens[1] must be a non-empty string or an object with a \"content\" string, found \"\""));
        Assert.That(Refusal("""{"additional_special_tokens": {}}"""), Is.EqualTo("CFG: additional_special_tokens must be a list, found {}"));
        Assert.That(Refusal("""{"mask_token": {"content": 5}}"""), Is.EqualTo(
            "CFG: mask_token must be a non-empty string or an object with a \"content\" string, found {\"content\":5}"));
        Assert.That(Refusal("""{"unk_token": {}}"""), Does.StartWith("CFG: unk_token must be a non-empty string"));
        Assert.That(Refusal("""{"sep_token": ""}"""), Does.StartWith("CFG: sep_token must be a non-empty string"));
        Assert.That(Refusal("""{"pad_token": false}"""), Does.StartWith("CFG: pad_token must be a non-empty string"));
        Assert.That(Refusal("[1, 2]"), Is.EqualTo("CFG: not a JSON object"));
        Assert.That(Refusal("{\"a\": "), Does.StartWith("CFG: not valid JSON ("));
    }
}
