"""The preset zoo: one folder per preset, shipped inside the installed package as `keras_seq2seq.zoo`."""
