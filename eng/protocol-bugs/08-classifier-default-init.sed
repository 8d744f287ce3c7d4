# bug: the head keeps TorchSharp's default Linear initialisation (Kaiming-uniform weight, non-zero bias), not N(0, 0.02) with zero bias
# file: src/POSLayerFreeze/Models/ModelCatalog.cs
s|^\( *\)model\.InitializeClassifier();|\1// model.InitializeClassifier();|
