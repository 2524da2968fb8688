"""A tiny InternVL2-style model for mella-bench's tests, with the interface of InternVL2/2.5's remote code.

Interface (what users and mella-bench call): `chat(tokenizer, pixel_values, question,
generation_config, num_patches_list=...)`, `batch_chat(tokenizer, pixel_values, questions,
generation_config, num_patches_list=...)` and `generate(pixel_values, input_ids, attention_mask,
**generate_kwargs)`. `<image>` in a question becomes `<img>` + `<IMG_CONTEXT>` × (tokens per tile ×
tiles) + `</img>`; the ViT features of each tile are pixel-shuffled (2×2 → channels), projected by
an MLP and written over the `<IMG_CONTEXT>` embeddings. The towers are transformers' CLIP vision
model and Llama. Written for the project; no upstream code is copied.
"""

import torch
from torch import nn
from transformers import CLIPVisionModel, LlamaForCausalLM, PreTrainedModel

from .configuration_internvl_chat import InternVLChatConfig
from .conversation import get_conv_template

IMG_START, IMG_END, IMG_CONTEXT = "<img>", "</img>", "<IMG_CONTEXT>"


class InternVLChatModel(PreTrainedModel):
    config_class = InternVLChatConfig
    main_input_name = "pixel_values"
    base_model_prefix = "language_model"
    _no_split_modules = ["CLIPEncoderLayer", "LlamaDecoderLayer"]

    def __init__(self, config):
        super().__init__(config)
        image_size = config.force_image_size or config.vision_config.image_size
        patch = config.vision_config.patch_size
        self.template = config.template
        self.system_message = get_conv_template(self.template).system_message
        self.downsample_ratio = config.downsample_ratio
        self.num_image_token = int((image_size // patch) ** 2 * config.downsample_ratio ** 2)
        self.img_context_token_id = None
        self.vision_model = CLIPVisionModel(config.vision_config)
        self.language_model = LlamaForCausalLM(config.llm_config)
        vit, llm = config.vision_config.hidden_size, config.llm_config.hidden_size
        grouped = vit * int(1 / config.downsample_ratio) ** 2
        self.mlp1 = nn.Sequential(nn.LayerNorm(grouped), nn.Linear(grouped, llm), nn.GELU(), nn.Linear(llm, llm))
        self.post_init()

    def pixel_shuffle(self, x):
        """(n, h, w, c) → (n, h·r, w·r, c / r²): neighbouring patches folded into channels (r = downsample ratio)."""
        n, h, w, c = x.shape
        r = self.downsample_ratio
        x = x.reshape(n, h, int(w * r), int(c / r))
        x = x.permute(0, 2, 1, 3).reshape(n, int(w * r), int(h * r), int(c / (r * r)))
        return x.permute(0, 2, 1, 3).contiguous()

    def extract_feature(self, pixel_values):
        hidden = self.vision_model(pixel_values=pixel_values).last_hidden_state[:, 1:, :]  # drop CLS
        side = int(hidden.shape[1] ** 0.5)
        grid = self.pixel_shuffle(hidden.reshape(hidden.shape[0], side, side, -1))
        return self.mlp1(grid.reshape(grid.shape[0], -1, grid.shape[-1]))

    def _query(self, question, num_patches, with_image):
        if with_image and "<image>" not in question:
            question = "<image>\n" + question
        conv = get_conv_template(self.template)
        conv.system_message = self.system_message
        conv.append_message(conv.roles[0], question)
        conv.append_message(conv.roles[1], None)
        tokens = IMG_START + IMG_CONTEXT * (self.num_image_token * num_patches) + IMG_END
        return conv.get_prompt().replace("<image>", tokens, 1), conv.sep

    def batch_chat(self, tokenizer, pixel_values, questions, generation_config, num_patches_list=None,
                   history=None, return_history=False, IMG_START_TOKEN=IMG_START, IMG_END_TOKEN=IMG_END,
                   IMG_CONTEXT_TOKEN=IMG_CONTEXT, verbose=False, image_counts=None):
        if history is not None or return_history:
            raise NotImplementedError("multi-turn batch_chat is not supported")
        num_patches_list = num_patches_list or image_counts
        self.img_context_token_id = tokenizer.convert_tokens_to_ids(IMG_CONTEXT_TOKEN)
        pairs = [self._query(q, n, pixel_values is not None) for q, n in zip(questions, num_patches_list)]
        tokenizer.padding_side = "left"
        enc = tokenizer([q for q, _ in pairs], return_tensors="pt", padding=True)
        sep = pairs[0][1]
        generation_config = dict(generation_config, eos_token_id=tokenizer.convert_tokens_to_ids(sep))
        out = self.generate(pixel_values=pixel_values, input_ids=enc["input_ids"].to(self.device),
                            attention_mask=enc["attention_mask"].to(self.device), **generation_config)
        texts = tokenizer.batch_decode(out, skip_special_tokens=True)
        return [t.split(sep)[0].strip() for t in texts]

    def chat(self, tokenizer, pixel_values, question, generation_config, history=None, return_history=False,
             num_patches_list=None, IMG_START_TOKEN=IMG_START, IMG_END_TOKEN=IMG_END, IMG_CONTEXT_TOKEN=IMG_CONTEXT,
             verbose=False):
        if num_patches_list is None:
            num_patches_list = [pixel_values.shape[0]] if pixel_values is not None else [0]
        (answer,) = self.batch_chat(tokenizer, pixel_values, [question], generation_config, num_patches_list)
        return (answer, [(question, answer)]) if return_history else answer

    @torch.no_grad()
    def generate(self, pixel_values=None, input_ids=None, attention_mask=None, visual_features=None,
                 generation_config=None, output_hidden_states=None, **generate_kwargs):
        embeds = self.language_model.get_input_embeddings()(input_ids)
        if pixel_values is not None:
            vit = visual_features if visual_features is not None else self.extract_feature(pixel_values)
            mask = input_ids == self.img_context_token_id
            embeds = embeds.clone()
            embeds[mask] = vit.reshape(-1, embeds.shape[-1]).to(embeds.dtype)
        return self.language_model.generate(inputs_embeds=embeds, attention_mask=attention_mask,
                                            generation_config=generation_config,
                                            output_hidden_states=output_hidden_states, use_cache=True,
                                            **generate_kwargs)
