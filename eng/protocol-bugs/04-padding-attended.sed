# bug: the attention mask is ignored, so every position (padding included) may be attended
# file: src/POSLayerFreeze/Models/IEncoder.cs
s/attentionMask\.to_type(ScalarType\.Bool)\.unsqueeze(1)\.unsqueeze(1)/attentionMask.ge(0).unsqueeze(1).unsqueeze(1)/
