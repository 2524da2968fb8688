"""Real text in every language for metric tests: two descriptive sentences each, keywords, inflected forms.

Serbian is written in Cyrillic here; tests derive the Latin spelling with the lossless fold.
"""

from __future__ import annotations

SENTENCES: dict[str, tuple[str, str]] = {
    "ar": ("رجل يجلس على مقعد خشبي في الحديقة العامة ويحمل كوبًا من القهوة العربية، وخلفه أشجار النخيل ومسجد قديم.",
           "يقف بائع في سوق الخضار في القاهرة بجانب عربة مليئة بالبرتقال والطماطم، والناس يمرون من حوله."),
    "cs": ("Na Staroměstském náměstí v Praze stojí gotický orloj, před kterým se shromáždili turisté s fotoaparáty.",
           "Žena v tradičním moravském kroji tančí na vesnické slavnosti, v pozadí hraje dechová hudba."),
    "hu": ("A budapesti Parlament épülete a Duna partján áll, előtte egy villamos halad el a rakparton.",
           "Egy idős asszony gulyáslevest főz bográcsban a kertben, mellette friss kenyér és paprika van az asztalon."),
    "ko": ("경복궁 근정전 앞에서 한복을 입은 관광객들이 사진을 찍고 있으며, 뒤로는 북악산이 보인다.",
           "시장 골목에서 상인이 떡볶이와 김밥을 팔고 있고, 사람들이 줄을 서서 기다리고 있다."),
    "ru": ("На ярмарке в Суздале на деревянном прилавке стоят расписные матрёшки и медный самовар.",
           "Зимой на Красной площади в Москве люди гуляют возле собора Василия Блаженного, покрытого снегом."),
    "sr": ("Ћевапи са кајмаком и лепињом послужени су на дрвеној дасци у старој кафани у Београду.",
           "Жена у народној ношњи плеше коло на сеоском вашару, док у позадини свирају трубачи."),
    "th": ("ผัดไทยกุ้งสดวางอยู่บนจานในตลาดน้ำดำเนินสะดวก มีแม่ค้าพายเรือขายผลไม้อยู่ด้านหลัง",
           "พระสงฆ์เดินบิณฑบาตในตอนเช้าบนถนนในเชียงใหม่ และชาวบ้านกำลังใส่บาตรด้วยข้าวเหนียว"),
    "vi": ("Một bát phở bò Hà Nội nóng hổi được đặt trên bàn gỗ, bên cạnh có hành lá, rau thơm và chanh.",
           "Những chiếc thuyền thúng đang neo đậu trên bãi biển Hội An, trong khi ngư dân phơi lưới dưới nắng."),
}

ENGLISH = "A man is sitting on a wooden bench in the park and holding a cup of coffee."

# lang: (keyword in its dictionary form, sentence using an inflected form of it)
INFLECTED: dict[str, list[tuple[str, str]]] = {
    "cs": [("Praha", "Turisté fotografují orloj v Praze."),
           ("orloj", "Před orlojem stojí mnoho lidí."),
           ("Staroměstské náměstí", "Stojíme na Staroměstském náměstí.")],
    "hu": [("gulyás", "A gulyást bográcsban főzik."),
           ("bogrács", "A bográcsban leves fő."),
           ("Duna", "A Dunán hajók úsznak.")],
    "ru": [("матрёшка", "На прилавке много матрёшек."),
           ("самовар", "Чай наливают из самовара."),
           ("Красная площадь", "Люди гуляют по Красной площади.")],
    "sr": [("ћевапи", "Послужили су нам ћевапе са луком."),
           ("кајмак", "Lepinja sa kajmakom je ukusna.")],
}
