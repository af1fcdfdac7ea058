from matching.engine.text import BUILTIN_SYNONYMS, Normaliser, normaliser


def test_synonyms_and_filler_words_normalise_to_the_same_terms():
    norm = normaliser()
    assert norm.terms("焊工") == norm.terms("焊接") == frozenset({"焊接"})
    assert norm.terms("PLC编程") == norm.terms("plc") == frozenset({"plc"})
    assert norm.terms("数控车床") == norm.terms("熟练掌握数控车工") == frozenset({"数控车"})
    assert norm.terms("AutoCAD") == norm.terms("CAD制图") == norm.terms("制图") == frozenset({"cad"})
    assert norm.terms("持有低压电工作业证") == frozenset({"电工"})


def test_free_text_is_segmented_and_protected_terms_stay_whole():
    norm = normaliser()
    assert norm.terms("熟练掌握PLC编程与数控车床操作") == frozenset({"plc", "数控车", "操作"})
    # jieba splits 运维 into single characters without HMM: the run is joined again.
    assert norm.terms("设备运维") == frozenset({"设备", "运维"})
    assert norm.terms("ＡｕｔｏＣＡＤ") == frozenset({"cad"})  # full-width letters


def test_empty_and_filler_only_phrases_have_no_terms():
    norm = normaliser()
    assert norm.terms("") == frozenset()
    assert norm.terms("、 ，") == frozenset()
    assert norm.terms("熟练掌握") == frozenset()
    assert norm.terms_of(["焊工", "", "识图"]) == frozenset({"焊接", "识图"})


def test_extra_synonyms_extend_and_override_the_builtin_list():
    norm = Normaliser({"豆腐制作": "豆制品加工", "焊工": "电焊作业"})
    assert norm.terms("豆腐制作") == norm.terms("大豆制品加工") == frozenset({"豆制品加工"})
    assert norm.terms("焊工") == frozenset({"电焊作业"})


def test_synonym_cycles_do_not_loop():
    norm = Normaliser({"甲乙": "丙丁", "丙丁": "甲乙"})
    assert len(norm.terms("甲乙")) == 1


def test_builtin_list_covers_the_county_industries():
    assert len(BUILTIN_SYNONYMS) >= 30
    for canonical in ("焊接", "plc", "数控车", "cad", "电工", "电商", "护理", "汽车维修", "导游", "豆制品加工"):
        assert canonical in BUILTIN_SYNONYMS


def test_normalisers_are_shared_per_synonym_set():
    assert normaliser({"a": "b"}) is normaliser({"a": "b"})
    assert normaliser() is not normaliser({"a": "b"})
