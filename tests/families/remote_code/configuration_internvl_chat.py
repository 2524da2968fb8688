"""Config of the tiny InternVL2-style remote-code checkpoint (written for mella-bench's tests).

It has the fields an InternVL2/2.5 `config.json` has and that the chat path reads: the chat template
name, the image size and the dynamic-tiling bounds, the pixel-shuffle ratio, the vision and LLM
sub-configs. The towers are transformers' CLIP vision model and Llama, tiny.
"""

from transformers import CLIPVisionConfig, LlamaConfig, PretrainedConfig


class InternVLChatConfig(PretrainedConfig):
    model_type = "internvl_chat"
    sub_configs = {"vision_config": CLIPVisionConfig, "llm_config": LlamaConfig}

    def __init__(self, vision_config=None, llm_config=None, template="internlm2-chat", force_image_size=None,
                 downsample_ratio=0.5, select_layer=-1, ps_version="v2", dynamic_image_size=True, use_thumbnail=True,
                 min_dynamic_patch=1, max_dynamic_patch=12, **kwargs):
        if isinstance(vision_config, dict):
            vision_config = CLIPVisionConfig(**vision_config)
        if isinstance(llm_config, dict):
            llm_config = LlamaConfig(**llm_config)
        self.vision_config = vision_config or CLIPVisionConfig()
        self.llm_config = llm_config or LlamaConfig()
        self.template = template
        self.force_image_size = force_image_size
        self.downsample_ratio = downsample_ratio
        self.select_layer = select_layer
        self.ps_version = ps_version
        self.dynamic_image_size = dynamic_image_size
        self.use_thumbnail = use_thumbnail
        self.min_dynamic_patch = min_dynamic_patch
        self.max_dynamic_patch = max_dynamic_patch
        super().__init__(**kwargs)
