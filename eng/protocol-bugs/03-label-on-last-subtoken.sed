# bug: a word's label (and its prediction) sits on its last sub-token instead of its first
# file: src/POSLayerFreeze/Tokenization/WordPieceAligner.cs
s/windowLabels\.Add(p == 0 ? labels\[w\] : Upos\.IgnoreIndex);/windowLabels.Add(p == take - 1 ? labels[w] : Upos.IgnoreIndex);/
s/wordIndex\.Add(p == 0 ? w : -1);/wordIndex.Add(p == take - 1 ? w : -1);/
