# bug: the loss is each window's mean token loss averaged over windows, not the mean over the batch's labelled tokens
# file: src/POSLayerFreeze/Training/Trainer.cs
s|^\( *\)var loss = summed / batch\.LabelledTokens;|\1var perToken = cross_entropy(logits.view(-1, logits.shape[^1]), bucket.Labels.view(-1), ignore_index: Upos.IgnoreIndex, reduction: nn.Reduction.None).view(bucket.Labels.shape); var labelledPerRow = bucket.Labels.ne(Upos.IgnoreIndex).sum(1).clamp_min(1); var loss = (perToken.sum(1) / labelledPerRow).sum() / batch.Buckets.Sum(b => b.Windows.shape[0]);|
