# bug: evaluation runs in train mode (dropout active while tagging dev and test)
# file: src/POSLayerFreeze/Training/Predictor.cs
s|^\( *\)model\.eval();|\1// model.eval();|
