using System.Text.Json.Nodes;
using static TorchSharp.torch;

namespace POSLayerFreeze.Models;

/// <summary>
/// XLM-RoBERTa (Hugging Face <c>models/xlm_roberta</c>: xlm-roberta-base, the encoder for the non-English treebanks):
/// RoBERTa's module, config fields and checkpoint names (<c>roberta.</c>, as XLMRobertaForTokenClassification saves
/// them), with a SentencePiece Unigram tokenizer and XLMRobertaConfig's vocab_size default (30522).
/// </summary>
public sealed class XlmRobertaFamily : EncoderFamily
{
    public static XlmRobertaFamily Instance { get; } = new();

    private XlmRobertaFamily()
    {
    }

    public override string ModelType => "xlm-roberta";
    public override string CheckpointPrefix => RobertaFamily.Instance.CheckpointPrefix;
    public override string TokenClassificationArchitecture => "XLMRobertaForTokenClassification";
    public override string TokenizerClass => "XLMRobertaTokenizer";
    public override TokenizerKind Tokenizer => TokenizerKind.Unigram;
    public override IReadOnlyList<string> PaddedEmbeddings => RobertaFamily.Instance.PaddedEmbeddings;
    public override IReadOnlyList<string> UnusedCheckpointKeys => RobertaFamily.Instance.UnusedCheckpointKeys;
    public override (string KeyPrefix, string Field) Layers => RobertaFamily.Instance.Layers;

    public override EncoderConfig ReadConfig(JsonObject json) => RobertaFamily.Read(json, vocabSizeDefault: 30522);

    public override nn.Module<Tensor, Tensor, Tensor> CreateEncoder(EncoderConfig config) => RobertaFamily.Instance.CreateEncoder(Expect<RobertaConfig>(config));

    public override IEnumerable<SizedTensor> EmbeddingSizes(EncoderConfig config) => RobertaFamily.Instance.EmbeddingSizes(Expect<RobertaConfig>(config));

    public override IEnumerable<SizedTensor> LayerSizes(EncoderConfig config, int layer) => RobertaFamily.Instance.LayerSizes(Expect<RobertaConfig>(config), layer);
}
